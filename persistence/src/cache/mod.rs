//! The cache port and its implementations: Redis when configured, in-process otherwise.

mod memory;
mod port;
mod redis;

pub use memory::MemoryCache;
pub use port::{
    Cache, CacheError, cached, cached_many, invalidate, read_through, read_through_present, store,
    store_if_absent,
};
pub use redis::{RedisCache, RedisSettings};
