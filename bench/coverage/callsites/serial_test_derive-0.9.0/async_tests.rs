// Follows serial_test's lib.rs docs on async tests: the reactor attribute
// (`tokio::test`) is listed before #[serial]/#[parallel] (crate's "async" feature).
// dependency: serial_test = "0.9.0"
// dependency: tokio = { version = "1", features = ["macros", "rt"] }
use serial_test::{parallel, serial};

async fn fetch_value(key: &str) -> usize {
    key.len()
}

#[tokio::test]
#[serial]
async fn test_async_serial_one() {
    assert_eq!(fetch_value("alpha").await, 5);
}

#[tokio::test]
#[serial(cache)]
async fn test_async_serial_keyed() {
    let total = fetch_value("a").await + fetch_value("bc").await;
    assert_eq!(total, 3);
}

#[tokio::test]
#[serial(timeout_ms = 2000)]
async fn test_async_serial_timeout() {
    tokio::task::yield_now().await;
}

#[tokio::test]
#[parallel]
async fn test_async_parallel() {
    assert!(fetch_value("").await == 0);
}

#[tokio::test]
#[serial]
async fn test_async_serial_with_return() -> Result<(), String> {
    if fetch_value("x").await == 1 { Ok(()) } else { Err("mismatch".into()) }
}

#[tokio::test]
#[parallel(cache)]
async fn test_async_parallel_with_return() -> Result<(), std::io::Error> {
    let _ = fetch_value("cache").await;
    Ok(())
}

fn main() {}
