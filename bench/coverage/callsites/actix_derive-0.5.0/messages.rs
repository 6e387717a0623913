// Follows the actix_derive README (`#[derive(Message)]` with `#[rtype(result = "...")]`, `#[derive(MessageResponse)]`)
// and its tests/test_macro.rs. The expansion names `::actix::Message` and `::actix::dev::*`; actix is not available,
// so this crate stands in for it (`extern crate self as actix`) with the actix 0.8 traits the expansion names.
extern crate self as actix;

use actix_derive::{Message, MessageResponse};
use std::collections::HashMap;
use std::io::Error;

// --- stand-in for the parts of actix 0.8 that the derives name
pub trait Message {
    type Result: 'static;
}
pub trait Actor: Sized + 'static {
    type Context;
}
pub struct Context<A>(std::marker::PhantomData<A>);
pub trait Handler<M: Message>: Actor {
    type Result;
    fn handle(&mut self, msg: M, ctx: &mut Self::Context) -> Self::Result;
}
pub mod dev {
    pub trait ResponseChannel<M: crate::Message>: 'static {
        fn is_canceled(&self) -> bool;
        fn send(self, response: M::Result);
    }
    pub trait MessageResponse<A: crate::Actor, M: crate::Message> {
        fn handle<R: ResponseChannel<M>>(self, ctx: &mut A::Context, tx: Option<R>);
    }
}
// ---

#[derive(Message)]
#[rtype(result = "Result<usize, Error>")]
struct Sum(usize, usize);

#[derive(MessageResponse, Debug)]
struct Added(usize);

#[derive(Message)]
#[rtype(result = "Added")]
struct Add {
    a: usize,
    b: usize,
}

/// A bare type in `rtype`.
#[derive(Message)]
#[rtype(u64)]
struct Ping;

#[derive(Message)]
#[rtype(result = "()")]
struct Shutdown;

#[derive(Message)]
#[rtype("Option<Vec<String>>")]
enum Query {
    Keys,
    Prefix(String),
    Range { from: u32, to: u32 },
}

/// Generic message and response.
#[derive(Message)]
#[rtype(result = "Stored<K>")]
struct Store<K: std::hash::Hash + Eq + 'static, V> {
    key: K,
    value: V,
}

#[derive(MessageResponse)]
struct Stored<K: 'static> {
    key: K,
    replaced: bool,
}

#[derive(MessageResponse, Default)]
struct Stats {
    counts: HashMap<String, u64>,
}

#[derive(Message)]
#[rtype(result = "Stats")]
struct GetStats<'a> {
    filter: &'a str,
}

#[derive(Default)]
struct Adder;

impl Actor for Adder {
    type Context = Context<Self>;
}

impl Handler<Add> for Adder {
    type Result = <Add as actix::Message>::Result;
    fn handle(&mut self, msg: Add, _: &mut Self::Context) -> Added {
        Added(msg.a + msg.b)
    }
}

fn main() {
    let mut adder = Adder;
    let mut ctx = Context(std::marker::PhantomData);
    println!("{:?}", adder.handle(Add { a: 3, b: 5 }, &mut ctx));
    let _ = (Sum(1, 2), Ping, Shutdown, Query::Keys, Store { key: 1u8, value: () }, GetStats { filter: "" });
    let _ = Stored { key: 0u8, replaced: false };
    let _ = Stats::default();
}
