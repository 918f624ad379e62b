-- The schema weblog does not own, created by the compose file's one-shot `migrate` service.
CREATE TABLE IF NOT EXISTS audit (at timestamptz NOT NULL DEFAULT now(), what text NOT NULL);
