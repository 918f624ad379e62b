//! The instances of one scenario and who may use which. Without `instances`, one environment is
//! shared by the scenario's tests, which run side by side; with `instances = N` each instance is a
//! worker that serves one test at a time, taking the next as soon as it is free, so a slow test
//! holds back only its own instance. An exclusive test gets an instance no other test is using.

use std::sync::Mutex;

use tokio::sync::{OwnedRwLockReadGuard, OwnedRwLockWriteGuard, RwLock, Semaphore};

/// How the tests of a scenario use its instances.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sharing {
    /// One instance; tests run side by side on it (exclusive ones alone).
    Shared,
    /// `count` instances, one test at a time on each.
    Workers { count: u32 },
    /// nextest's process per test: the instance of this process's slot.
    Slot { instance: u32 },
}

/// The right to use an instance for one test; dropping it frees the instance.
pub(crate) enum Lease {
    Shared {
        instance: u32,
        _guard: OwnedRwLockReadGuard<()>,
    },
    Alone {
        instance: u32,
        _guard: OwnedRwLockWriteGuard<()>,
    },
    /// The pool is taken out when the instance is retired, so dropping does not free it.
    Worker {
        instance: u32,
        pool: Option<std::sync::Arc<WorkerPool>>,
    },
}

impl Lease {
    pub fn instance(&self) -> u32 {
        match self {
            Lease::Shared { instance, .. } | Lease::Alone { instance, .. } | Lease::Worker { instance, .. } => {
                *instance
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        if let Lease::Worker { instance, pool: Some(pool) } = self {
            pool.release(*instance);
        }
    }
}

/// Idle worker instances; a semaphore counts them so waiting tests queue in order.
pub(crate) struct WorkerPool {
    idle: Mutex<Vec<u32>>,
    free: Semaphore,
    /// Instances whose start failed are not handed out again; when none is left, waiting tests
    /// are told instead of waiting forever.
    alive: Mutex<u32>,
}

impl WorkerPool {
    fn new(count: u32) -> WorkerPool {
        WorkerPool {
            // Popped from the end: instance 0 first, so few tests start few instances.
            idle: Mutex::new((0..count).rev().collect()),
            free: Semaphore::new(count as usize),
            alive: Mutex::new(count),
        }
    }

    fn release(&self, instance: u32) {
        self.idle.lock().unwrap().push(instance);
        self.free.add_permits(1);
    }

    /// Takes `instance` out of service (its start failed). Returns whether any instance is left.
    pub fn retire(&self) -> bool {
        let mut alive = self.alive.lock().unwrap();
        *alive = alive.saturating_sub(1);
        if *alive == 0 {
            self.free.close();
        }
        *alive > 0
    }
}

pub(crate) struct Instances {
    sharing: Sharing,
    shared: std::sync::Arc<RwLock<()>>,
    workers: std::sync::Arc<WorkerPool>,
}

impl Instances {
    pub fn new(sharing: Sharing) -> Instances {
        let count = match sharing {
            Sharing::Workers { count } => count.max(1),
            _ => 1,
        };
        Instances { sharing, shared: Default::default(), workers: std::sync::Arc::new(WorkerPool::new(count)) }
    }

    /// How many instances there are (`count` for workers, one otherwise).
    pub fn indices(&self) -> Vec<u32> {
        match self.sharing {
            Sharing::Shared => vec![0],
            Sharing::Workers { count } => (0..count.max(1)).collect(),
            Sharing::Slot { instance } => vec![instance],
        }
    }

    /// Waits for an instance for one test. `None` when every worker instance failed to start.
    pub async fn acquire(&self, exclusive: bool) -> Option<Lease> {
        match self.sharing {
            Sharing::Shared if exclusive => {
                Some(Lease::Alone { instance: 0, _guard: self.shared.clone().write_owned().await })
            }
            Sharing::Shared => Some(Lease::Shared { instance: 0, _guard: self.shared.clone().read_owned().await }),
            Sharing::Slot { instance } => {
                Some(Lease::Shared { instance, _guard: self.shared.clone().read_owned().await })
            }
            Sharing::Workers { .. } => {
                let permit = self.workers.free.acquire().await.ok()?;
                permit.forget(); // given back by the lease's drop
                let instance = self.workers.idle.lock().unwrap().pop().expect("a permit means an idle instance");
                Some(Lease::Worker { instance, pool: Some(self.workers.clone()) })
            }
        }
    }

    /// Takes every idle worker instance out of service and returns them: called once every test
    /// has its instance, when the idle ones will not serve again.
    pub fn take_idle(&self) -> Vec<u32> {
        if !matches!(self.sharing, Sharing::Workers { .. }) {
            return Vec::new();
        }
        let mut idle = self.workers.idle.lock().unwrap();
        let mut taken = Vec::new();
        // Each idle instance holds one permit: take it too, so nothing can wait for it.
        while let Ok(permit) = self.workers.free.try_acquire() {
            permit.forget();
            taken.extend(idle.pop());
        }
        taken
    }

    /// A worker instance failed to start: its lease must not return it to the idle list.
    /// Returns whether any instance is left.
    pub fn retire(&self, mut lease: Lease) -> bool {
        match &mut lease {
            Lease::Worker { pool, .. } => pool.take().is_none_or(|pool| pool.retire()),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn workers_serve_one_test_each_and_hand_out_the_freed_one() {
        let instances = Instances::new(Sharing::Workers { count: 2 });
        let a = instances.acquire(false).await.unwrap();
        let b = instances.acquire(false).await.unwrap();
        assert_eq!((a.instance(), b.instance()), (0, 1));
        let third = tokio::spawn({
            let workers = instances.workers.clone();
            async move {
                let permit = workers.free.acquire().await.unwrap();
                permit.forget();
                workers.idle.lock().unwrap().pop().unwrap()
            }
        });
        drop(b);
        assert_eq!(third.await.unwrap(), 1, "the waiting test gets the instance that was freed");
        drop(a);
    }

    #[tokio::test]
    async fn idle_workers_are_taken_out_with_their_permits() {
        let instances = Instances::new(Sharing::Workers { count: 3 });
        let busy = instances.acquire(false).await.unwrap();
        let mut idle = instances.take_idle();
        idle.sort();
        assert_eq!(idle, vec![1, 2], "the instances nobody holds");
        drop(busy);
        assert_eq!(instances.take_idle(), vec![0], "a freed instance is idle again");
        assert!(instances.take_idle().is_empty());
    }

    #[tokio::test]
    async fn when_every_worker_failed_waiting_tests_are_told() {
        let instances = Instances::new(Sharing::Workers { count: 1 });
        let only = instances.acquire(false).await.unwrap();
        assert!(!instances.retire(only), "nothing left");
        assert!(instances.acquire(false).await.is_none());
    }

    #[tokio::test]
    async fn an_exclusive_test_waits_for_shared_ones_and_keeps_them_out() {
        let instances = Instances::new(Sharing::Shared);
        let shared = instances.acquire(false).await.unwrap();
        let exclusive = instances.acquire(true);
        tokio::pin!(exclusive);
        assert!(futures_util::poll!(exclusive.as_mut()).is_pending(), "waits for the running test");
        drop(shared);
        let alone = exclusive.await.unwrap();
        let next = instances.acquire(false);
        tokio::pin!(next);
        assert!(futures_util::poll!(next.as_mut()).is_pending(), "nobody joins an exclusive test");
        drop(alone);
        assert_eq!(next.await.unwrap().instance(), 0);
    }
}
