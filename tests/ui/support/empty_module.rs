// Loaded by fail/scenario_not_inline.rs as the body of a non-inline module.
