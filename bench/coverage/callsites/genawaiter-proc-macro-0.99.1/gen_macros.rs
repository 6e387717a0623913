// Follows genawaiter 0.99's module docs for sync::gen!, rc::gen! and stack::let_gen! (from
// genawaiter-macro), which call ::genawaiter::*_producer! by path; to allow that within one crate the
// facade re-exports the producers with #[proc_macro_hack(only_hack_old_rustc)] (native proc macros).
// dependency: proc-macro-hack = "0.5"
// dependency: genawaiter-macro = { version = "0.99.1", features = ["proc_macro"] }

// ---- facade, after genawaiter 0.99.1 src/lib.rs (runtime types are stand-ins) ----
extern crate self as genawaiter;

use proc_macro_hack::proc_macro_hack;

#[proc_macro_hack(only_hack_old_rustc)]
pub use genawaiter_proc_macro::sync_producer;

#[proc_macro_hack(only_hack_old_rustc)]
pub use genawaiter_proc_macro::rc_producer;

#[proc_macro_hack(only_hack_old_rustc)]
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
    pub use genawaiter_macro::stack_let_gen as let_gen;
}

// ---- users ----
mod sync_user {
    use genawaiter::{sync::Gen, yield_};
    use genawaiter_macro::sync_gen as gen;

    pub fn count_to_ten() -> impl Sized {
        // docs: "let count_to_ten = gen!({ for n in 0..10 { yield_!(n); } });"
        let count_to_ten = gen!({
            for n in 0..10 {
                yield_!(n);
            }
        });
        let _: &Gen<_, _, _> = &count_to_ten;
        count_to_ten
    }

    pub fn with_resume_args() {
        // A generator that also receives values back through `yield_!`.
        let mut printer = gen!({
            loop {
                let string = yield_!(());
                println!("{}", string);
            }
        });
        printer.resume_with("hello");
        printer.resume_with("world");
    }
}

mod rc_user {
    use genawaiter::{yield_, GeneratorState};
    use genawaiter_macro::rc_gen as gen;

    pub fn run() {
        let mut gen = gen!({
            yield_!(10);
            yield_!(20);
            "done!"
        });
        assert_eq!(gen.resume(), GeneratorState::Yielded(10));
        assert_eq!(gen.resume(), GeneratorState::Yielded(20));
        assert_eq!(gen.resume(), GeneratorState::Complete("done!"));
    }
}

fn main() {
    use genawaiter::{stack::let_gen, yield_, GeneratorState};

    let _ = sync_user::count_to_ten();
    sync_user::with_resume_args();
    rc_user::run();

    // stack docs: "let_gen!(my_generator, { yield_!(10); });"
    let_gen!(my_generator, {
        yield_!(10);
        let words = ["alpha", "beta"];
        for w in words.iter() {
            yield_!(w.len());
        }
    });
    assert_eq!(my_generator.resume(), GeneratorState::Yielded(10));
}
