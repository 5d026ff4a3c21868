//! The cache port's implementations: Redis when configured, in-process otherwise.

mod memory;
mod redis;

pub use memory::MemoryCache;
pub use redis::{RedisCache, RedisSettings};
