// Follows genawaiter 0.99's lib.rs docs and README: the #[producer_fn(T)] attribute for the
// stack/sync/rc flavours, the sync_producer!/rc_producer!/stack_producer! macros with yield_!, and
// stack::let_gen_using!. The `genawaiter` facade is declared here with #[proc_macro_hack] as 0.99.1 does.
// dependency: proc-macro-hack = "0.5"
// dependency: genawaiter-macro = "0.99.1"

// ---- facade, as in genawaiter 0.99.1 src/lib.rs (runtime types are stand-ins) ----
extern crate self as genawaiter;

use proc_macro_hack::proc_macro_hack;

/// Creates a producer for use with [`sync::Gen`].
#[proc_macro_hack]
pub use genawaiter_proc_macro::sync_producer;

/// Creates a producer for use with [`rc::Gen`].
#[proc_macro_hack]
pub use genawaiter_proc_macro::rc_producer;

/// Creates a producer for use with [`stack::Gen`].
#[proc_macro_hack]
pub use genawaiter_proc_macro::stack_producer;

#[derive(Debug, PartialEq)]
pub enum GeneratorState<Y, C> {
    Yielded(Y),
    Complete(C),
}

/// Used in place of the `yield` keyword inside the producer macros.
#[macro_export]
macro_rules! yield_ {
    (@__impl => $co:expr, $value:expr) => {
        $co.yield_($value).await
    };
    ($val:expr) => {
        compile_error!("`yield_!()` can only be used inside one of the genawaiter macros")
    };
}

// Stand-in runtime: only the names and signatures that the macros' output uses.
macro_rules! flavor {
    ($($lt:lifetime)?) => {
        pub struct Co<$($lt,)? Y, R = ()>(std::marker::PhantomData<($(&$lt (),)? Y, R)>);
        impl<$($lt,)? Y, R> Co<$($lt,)? Y, R> {
            pub async fn yield_(&self, _value: Y) -> R {
                unimplemented!("stand-in runtime")
            }
        }
        pub struct Gen<$($lt,)? Y, R, F>(std::marker::PhantomData<($(&$lt (),)? Y, R, F)>);
        impl<$($lt,)? Y, R, F: std::future::Future> Gen<$($lt,)? Y, R, F> {
            pub fn resume_with(&mut self, _arg: R) -> crate::GeneratorState<Y, F::Output> {
                unimplemented!("stand-in runtime")
            }
        }
        impl<$($lt,)? Y, F: std::future::Future> Gen<$($lt,)? Y, (), F> {
            pub fn resume(&mut self) -> crate::GeneratorState<Y, F::Output> {
                self.resume_with(())
            }
        }
    };
}

pub mod sync {
    flavor!();
    impl<Y, R, F: std::future::Future> Gen<Y, R, F> {
        pub fn new(_producer: impl FnOnce(Co<Y, R>) -> F) -> Self {
            Gen(std::marker::PhantomData)
        }
    }
    pub use genawaiter_proc_macro::sync_producer_fn as producer_fn;
}

pub mod rc {
    flavor!();
    impl<Y, R, F: std::future::Future> Gen<Y, R, F> {
        pub fn new(_producer: impl FnOnce(Co<Y, R>) -> F) -> Self {
            Gen(std::marker::PhantomData)
        }
    }
    pub use genawaiter_proc_macro::rc_producer_fn as producer_fn;
}

pub mod stack {
    flavor!('y);
    pub struct Shelf<Y, R, F>(std::marker::PhantomData<(Y, R, F)>);
    impl<Y, R, F> Shelf<Y, R, F> {
        pub fn new() -> Self {
            Shelf(std::marker::PhantomData)
        }
    }
    impl<'y, Y, R, F: std::future::Future> Gen<'y, Y, R, F> {
        /// # Safety
        /// See genawaiter's stack::Gen::new.
        pub unsafe fn new(_shelf: &'y mut Shelf<Y, R, F>, _producer: impl FnOnce(Co<'y, Y, R>) -> F) -> Self {
            Gen(std::marker::PhantomData)
        }
    }
    pub use genawaiter_macro::stack_let_gen_using as let_gen_using;
    pub use genawaiter_proc_macro::stack_producer_fn as producer_fn;
}

// ---- users ----
mod odd_numbers {
    use genawaiter::{stack::producer_fn, yield_};

    /// lib.rs docs: "#[producer_fn(u8)] async fn odds()"
    #[producer_fn(u8)]
    pub async fn odds() {
        for n in (1..).step_by(2).take_while(|n| *n < 10) {
            yield_!(n)
        }
    }
}

mod shared {
    use genawaiter::{sync::producer_fn, yield_};

    #[producer_fn(String)]
    pub async fn words() -> usize {
        let mut count = 0;
        for w in "the quick brown fox".split(' ') {
            yield_!(w.to_uppercase());
            count += 1;
        }
        count
    }
}

mod counted {
    use genawaiter::{rc::producer_fn, yield_};

    #[producer_fn(u64)]
    pub async fn fibonacci() {
        let (mut a, mut b) = (0u64, 1u64);
        loop {
            yield_!(a);
            let next = a + b;
            a = b;
            b = next;
            if a > 1000 {
                break;
            }
        }
    }
}

fn main() {
    use genawaiter::{rc, stack::let_gen_using, sync, GeneratorState};

    let_gen_using!(odds, odd_numbers::odds);
    assert_eq!(odds.resume(), GeneratorState::Yielded(1));

    let mut words = sync::Gen::new(shared::words);
    while let GeneratorState::Yielded(w) = words.resume() {
        println!("{}", w);
    }

    let mut fib = rc::Gen::new(counted::fibonacci);
    let _ = fib.resume();

    // README: "let my_producer = producer!({ yield_!(10); }); let mut my_generator = Gen::new(my_producer);"
    let my_producer = sync_producer!({
        yield_!(10);
        yield_!(20);
    });
    let mut my_generator = sync::Gen::new(my_producer);
    assert_eq!(my_generator.resume(), GeneratorState::Yielded(10));

    let limit = 5;
    let squares = rc_producer!({
        let mut i = 0;
        while i < limit {
            if i % 2 == 0 {
                yield_!(i * i);
            }
            i += 1;
        }
        "done"
    });
    let mut gen = rc::Gen::new(squares);
    let _ = gen.resume();

    let_gen_using!(
        stacked,
        stack_producer!({
            for c in "abc".chars() {
                yield_!(c);
            }
        })
    );
    let _ = stacked.resume();
}
