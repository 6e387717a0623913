// Follows the `random-number` 0.1 README examples (random!, random!(a..b), random!(..=max),
// random!(a, b), random!(range, rng), random_fill!); the `random-number` facade is declared here
// with proc-macro-hack(fake_call_site) and the `$crate::random_*` helpers its macros call.
// dependency: proc-macro-hack = "0.5"
// dependency: rand = "0.8"

// ---- facade, as in random-number 0.1 src/lib.rs ----
use proc_macro_hack::proc_macro_hack;
use rand::distributions::uniform::{SampleBorrow, SampleUniform};
use rand::distributions::{Distribution, Standard};
use rand::Rng;
use std::cmp::Ordering;

/// Generate a random number.
#[proc_macro_hack(fake_call_site)]
pub use random_number_macro_impl::random;

/// Generate random numbers into a slice.
#[proc_macro_hack(fake_call_site)]
pub use random_number_macro_impl::random_fill;

pub trait Bounded {
    fn min_value() -> Self;
    fn max_value() -> Self;
}

macro_rules! impl_bounded {
    ($($t:ty),*) => {
        $(impl Bounded for $t {
            fn min_value() -> Self { <$t>::MIN }
            fn max_value() -> Self { <$t>::MAX }
        })*
    };
}
impl_bounded!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize, char);

pub fn random<X>() -> X where Standard: Distribution<X> {
    random_with_rng(&mut rand::thread_rng())
}
pub fn random_with_rng<X, R: Rng>(rng: &mut R) -> X where Standard: Distribution<X> {
    rng.gen()
}
pub fn random_inclusively<X: SampleUniform, B1: SampleBorrow<X>, B2: SampleBorrow<X>>(min: B1, max: B2) -> X {
    random_inclusively_with_rng(min, max, &mut rand::thread_rng())
}
pub fn random_inclusively_with_rng<X: SampleUniform, B1: SampleBorrow<X>, B2: SampleBorrow<X>, R: Rng>(min: B1, max: B2, rng: &mut R) -> X {
    rand::distributions::Uniform::new_inclusive(min, max).sample(rng)
}
pub fn random_inclusively_cmp<X: SampleUniform + PartialOrd + Copy>(a: X, b: X) -> X {
    random_inclusively_cmp_with_rng(a, b, &mut rand::thread_rng())
}
pub fn random_inclusively_cmp_with_rng<X: SampleUniform + PartialOrd + Copy, R: Rng>(a: X, b: X, rng: &mut R) -> X {
    match a.partial_cmp(&b) {
        Some(Ordering::Greater) => random_inclusively_with_rng(b, a, rng),
        _ => random_inclusively_with_rng(a, b, rng),
    }
}
pub fn random_exclusively<X: SampleUniform, B1: SampleBorrow<X>, B2: SampleBorrow<X>>(min: B1, max: B2) -> X {
    random_exclusively_with_rng(min, max, &mut rand::thread_rng())
}
pub fn random_exclusively_with_rng<X: SampleUniform, B1: SampleBorrow<X>, B2: SampleBorrow<X>, R: Rng>(min: B1, max: B2, rng: &mut R) -> X {
    rand::distributions::Uniform::new(min, max).sample(rng)
}
pub fn random_at_least<X: SampleUniform + Bounded, B: SampleBorrow<X>>(min: B) -> X {
    random_at_least_with_rng(min, &mut rand::thread_rng())
}
pub fn random_at_least_with_rng<X: SampleUniform + Bounded, B: SampleBorrow<X>, R: Rng>(min: B, rng: &mut R) -> X {
    random_inclusively_with_rng(min, X::max_value(), rng)
}
pub fn random_at_most<X: SampleUniform + Bounded, B: SampleBorrow<X>>(max: B) -> X {
    random_at_most_with_rng(max, &mut rand::thread_rng())
}
pub fn random_at_most_with_rng<X: SampleUniform + Bounded, B: SampleBorrow<X>, R: Rng>(max: B, rng: &mut R) -> X {
    random_inclusively_with_rng(X::min_value(), max, rng)
}
pub fn random_at_most_exclusively<X: SampleUniform + Bounded, B: SampleBorrow<X>>(max: B) -> X {
    random_at_most_exclusively_with_rng(max, &mut rand::thread_rng())
}
pub fn random_at_most_exclusively_with_rng<X: SampleUniform + Bounded, B: SampleBorrow<X>, R: Rng>(max: B, rng: &mut R) -> X {
    random_exclusively_with_rng(X::min_value(), max, rng)
}
pub fn random_fill<X>(out: &mut [X]) where Standard: Distribution<X> {
    random_fill_with_rng(out, &mut rand::thread_rng())
}
pub fn random_fill_with_rng<X, R: Rng>(out: &mut [X], rng: &mut R) where Standard: Distribution<X> {
    for x in out.iter_mut() {
        *x = rng.gen();
    }
}
pub fn random_fill_inclusively<X: SampleUniform + Copy>(out: &mut [X], min: X, max: X) {
    random_fill_inclusively_with_rng(out, min, max, &mut rand::thread_rng())
}
pub fn random_fill_inclusively_with_rng<X: SampleUniform + Copy, R: Rng>(out: &mut [X], min: X, max: X, rng: &mut R) {
    let dist = rand::distributions::Uniform::new_inclusive(min, max);
    for x in out.iter_mut() {
        *x = dist.sample(rng);
    }
}
pub fn random_fill_exclusively<X: SampleUniform + Copy>(out: &mut [X], min: X, max: X) {
    let dist = rand::distributions::Uniform::new(min, max);
    let mut rng = rand::thread_rng();
    for x in out.iter_mut() {
        *x = dist.sample(&mut rng);
    }
}
pub fn random_fill_inclusively_cmp_with_rng<X: SampleUniform + PartialOrd + Copy, R: Rng>(out: &mut [X], a: X, b: X, rng: &mut R) {
    let (min, max) = if a > b { (b, a) } else { (a, b) };
    random_fill_inclusively_with_rng(out, min, max, rng)
}
pub fn random_fill_at_most<X: SampleUniform + Bounded + Copy>(out: &mut [X], max: X) {
    random_fill_inclusively(out, X::min_value(), max)
}
pub fn random_fill_at_least_with_rng<X: SampleUniform + Bounded + Copy, R: Rng>(out: &mut [X], min: X, rng: &mut R) {
    random_fill_inclusively_with_rng(out, min, X::max_value(), rng)
}

// ---- users (README "Examples") ----
fn main() {
    let n: u8 = random!();
    println!("{}", n);

    let n: u8 = random!(..=10);
    assert!(n <= 10);

    let n: u8 = random!(..10);
    assert!(n < 10);

    let n: u8 = random!(10..);
    assert!(n >= 10);

    let n: u8 = random!(10..=20);
    assert!((10..=20).contains(&n));

    let n: i16 = random!(-20..20);
    assert!((-20..20).contains(&n));

    let n: u8 = random!(20, 10);
    assert!((10..=20).contains(&n));

    let ch: char = random!('a'..='z');
    println!("{}", ch);

    let mut rng = rand::thread_rng();
    let n: u64 = random!(100..=200, rng);
    let m: u64 = random!(rng);
    let k: u32 = random!(5, 1, rng);
    let l: i32 = random!(..=0, rng);
    println!("{} {} {} {}", n, m, k, l);

    let mut a = [0i8; 32];
    random_fill!(a, -2..12);
    assert!(a.iter().all(|v| (-2..12).contains(v)));

    let mut b = vec![0u16; 16];
    random_fill!(b);
    random_fill!(b, ..=1000);
    random_fill!(b, 3, 1, rng);
    random_fill!(b, 500.., rng);
    println!("{:?} {:?}", a, b);
}
