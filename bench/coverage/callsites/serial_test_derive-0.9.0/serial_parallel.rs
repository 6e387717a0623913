// Follows serial_test's lib.rs docs and serial_test_derive's `serial`/`parallel`
// docs: plain, keyed and timeout_ms variants, `parallel` groups, and attributes
// such as #[ignore]/#[should_panic] plus Result-returning tests.
// dependency: serial_test = "0.9.0"
use serial_test::{parallel, serial};
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

#[test]
#[serial]
fn test_serial_one() {
    let before = COUNTER.fetch_add(1, Ordering::SeqCst);
    assert_eq!(COUNTER.load(Ordering::SeqCst), before + 1);
}

#[test]
#[serial]
fn test_serial_another() {
    COUNTER.store(0, Ordering::SeqCst);
}

#[test]
#[serial(database)]
fn test_serial_database_insert() {
    let rows: Vec<u32> = (0..16).collect();
    assert_eq!(rows.len(), 16);
}

#[test]
#[serial(database)]
fn test_serial_database_delete() {
    let mut rows: Vec<u32> = (0..16).collect();
    rows.retain(|r| r % 2 == 0);
    assert_eq!(rows.len(), 8);
}

#[test]
#[serial(timeout_ms = 1000)]
fn test_serial_with_timeout() {
    std::thread::sleep(std::time::Duration::from_millis(10));
}

#[test]
#[serial(network, timeout_ms = 250)]
fn test_serial_keyed_timeout() {
    assert!(COUNTER.load(Ordering::SeqCst) < usize::MAX);
}

#[test]
#[parallel]
fn test_parallel_one() {
    assert!(COUNTER.load(Ordering::SeqCst) < usize::MAX);
}

#[test]
#[parallel]
fn test_parallel_two() {
    let v: Vec<_> = (1..=4).map(|x| x * x).collect();
    assert_eq!(v, vec![1, 4, 9, 16]);
}

#[test]
#[parallel(database)]
fn test_parallel_database_read() {
    let rows: Vec<u32> = (0..16).collect();
    assert_eq!(rows.iter().sum::<u32>(), 120);
}

#[test]
#[serial]
#[should_panic(expected = "Testing panic")]
fn test_serial_should_panic() {
    panic!("Testing panic");
}

#[test]
#[ignore]
#[serial(other)]
fn test_serial_ignored() {
    unreachable!();
}

#[test]
#[serial]
fn test_serial_with_return() -> Result<(), String> {
    let value: i32 = "42".parse().map_err(|e: std::num::ParseIntError| e.to_string())?;
    assert_eq!(value, 42);
    Ok(())
}

#[test]
#[parallel(database)]
fn test_parallel_with_return() -> Result<(), std::io::Error> {
    Ok(())
}

fn main() {}
