// Follows the ufmt 0.2 crate docs (lib.rs "Examples": #[derive(uDebug)] on structs/tuple structs/
// enums, uwrite!/uwriteln! with {}, {:?}, {:#?}, {:x}/{:#06X} hex); the `ufmt` facade is not in the
// corpus, so its API surface is declared below (as `extern crate self as ufmt`) on top of ufmt-write.
// dependency: ufmt-write = "0.1"

// ---- facade, after ufmt 0.2 src/lib.rs ----
extern crate self as ufmt;

pub use ufmt_macros::{uDebug, uwrite, uwriteln};
pub use ufmt_write::uWrite;

#[allow(non_camel_case_types)]
pub trait uDebug {
    fn fmt<W>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error>
    where
        W: uWrite + ?Sized;
}

#[allow(non_camel_case_types)]
pub trait uDisplay {
    fn fmt<W>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error>
    where
        W: uWrite + ?Sized;
}

pub struct HexOptions {
    pub upper_case: bool,
    pub pad_char: u8,
    pub pad_length: usize,
    pub ox_prefix: bool,
}

#[allow(non_camel_case_types)]
pub trait uDisplayHex {
    fn fmt_hex<W>(&self, f: &mut Formatter<'_, W>, options: HexOptions) -> Result<(), W::Error>
    where
        W: uWrite + ?Sized;
}

pub struct Formatter<'w, W: uWrite + ?Sized> {
    writer: &'w mut W,
    pretty: bool,
}

impl<'w, W: uWrite + ?Sized> Formatter<'w, W> {
    pub fn new(writer: &'w mut W) -> Self {
        Formatter { writer, pretty: false }
    }
    pub fn write_str(&mut self, s: &str) -> Result<(), W::Error> {
        self.writer.write_str(s)
    }
    pub fn pretty(&mut self, f: impl FnOnce(&mut Self) -> Result<(), W::Error>) -> Result<(), W::Error> {
        let old = core::mem::replace(&mut self.pretty, true);
        let r = f(self);
        self.pretty = old;
        r
    }
    pub fn debug_struct(&mut self, name: &str) -> Result<DebugStruct<'_, 'w, W>, W::Error> {
        self.write_str(name)?;
        self.write_str(" { ")?;
        Ok(DebugStruct { f: self, first: true })
    }
    pub fn debug_tuple(&mut self, name: &str) -> Result<DebugTuple<'_, 'w, W>, W::Error> {
        self.write_str(name)?;
        self.write_str("(")?;
        Ok(DebugTuple { f: self, first: true })
    }
}

pub struct DebugStruct<'f, 'w, W: uWrite + ?Sized> {
    f: &'f mut Formatter<'w, W>,
    first: bool,
}
impl<'f, 'w, W: uWrite + ?Sized> DebugStruct<'f, 'w, W> {
    pub fn field(&mut self, name: &str, value: &impl uDebug) -> Result<&mut Self, W::Error> {
        if !self.first {
            self.f.write_str(", ")?;
        }
        self.first = false;
        self.f.write_str(name)?;
        self.f.write_str(": ")?;
        value.fmt(self.f)?;
        Ok(self)
    }
    pub fn finish(&mut self) -> Result<(), W::Error> {
        self.f.write_str(" }")
    }
}

pub struct DebugTuple<'f, 'w, W: uWrite + ?Sized> {
    f: &'f mut Formatter<'w, W>,
    first: bool,
}
impl<'f, 'w, W: uWrite + ?Sized> DebugTuple<'f, 'w, W> {
    pub fn field(&mut self, value: &impl uDebug) -> Result<&mut Self, W::Error> {
        if !self.first {
            self.f.write_str(", ")?;
        }
        self.first = false;
        value.fmt(self.f)?;
        Ok(self)
    }
    pub fn finish(&mut self) -> Result<(), W::Error> {
        self.f.write_str(")")
    }
}

#[doc(hidden)]
pub trait UnstableDoAsFormatter {
    type Writer: uWrite + ?Sized;
    fn do_as_formatter(
        &mut self,
        f: impl FnOnce(&mut Formatter<'_, Self::Writer>) -> Result<(), <Self::Writer as uWrite>::Error>,
    ) -> Result<(), <Self::Writer as uWrite>::Error>;
}

impl<W: uWrite + ?Sized> UnstableDoAsFormatter for W {
    type Writer = W;
    fn do_as_formatter(
        &mut self,
        f: impl FnOnce(&mut Formatter<'_, W>) -> Result<(), W::Error>,
    ) -> Result<(), W::Error> {
        f(&mut Formatter::new(self))
    }
}

macro_rules! impl_num {
    ($($t:ty),*) => {$(
        impl uDisplay for $t {
            fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
                let mut buf = [0u8; 40];
                let mut n = *self as i128;
                let neg = n < 0;
                let mut i = buf.len();
                loop {
                    i -= 1;
                    buf[i] = b'0' + (n % 10).unsigned_abs() as u8;
                    n /= 10;
                    if n == 0 { break; }
                }
                if neg { i -= 1; buf[i] = b'-'; }
                f.write_str(core::str::from_utf8(&buf[i..]).unwrap())
            }
        }
        impl uDebug for $t {
            fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
                uDisplay::fmt(self, f)
            }
        }
        impl uDisplayHex for $t {
            fn fmt_hex<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>, o: HexOptions) -> Result<(), W::Error> {
                if o.ox_prefix { f.write_str("0x")?; }
                let digits: &[u8] = if o.upper_case { b"0123456789ABCDEF" } else { b"0123456789abcdef" };
                let mut buf = [0u8; 40];
                let mut n = *self as u128;
                let mut i = buf.len();
                loop {
                    i -= 1;
                    buf[i] = digits[(n & 0xf) as usize];
                    n >>= 4;
                    if n == 0 { break; }
                }
                while buf.len() - i < o.pad_length { i -= 1; buf[i] = o.pad_char; }
                f.write_str(core::str::from_utf8(&buf[i..]).unwrap())
            }
        }
    )*};
}
impl_num!(u8, u16, u32, u64, usize, i8, i16, i32, i64, isize);

impl uDisplay for str {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        f.write_str(self)
    }
}
impl uDebug for str {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        f.write_str("\"")?;
        f.write_str(self)?;
        f.write_str("\"")
    }
}
impl<T: uDebug + ?Sized> uDebug for &T {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        (**self).fmt(f)
    }
}
impl<T: uDisplay + ?Sized> uDisplay for &T {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        uDisplay::fmt(&**self, f)
    }
}
impl uDebug for bool {
    fn fmt<W: uWrite + ?Sized>(&self, f: &mut Formatter<'_, W>) -> Result<(), W::Error> {
        f.write_str(if *self { "true" } else { "false" })
    }
}

// ---- users (ufmt docs examples), in a module of their own ----
mod app {
    use ufmt::{uDebug, uWrite, uwrite, uwriteln};

    #[derive(uDebug)]
    struct Pair {
        x: u32,
        y: u32,
    }

    #[derive(uDebug)]
    struct Meters(u16, i8);

    #[derive(uDebug)]
    struct Unit;

    #[derive(uDebug)]
    struct Generic<'a, T, U> {
        label: &'a str,
        first: T,
        second: U,
    }

    #[derive(uDebug)]
    enum Event {
        Idle,
        Key(u8, bool),
        Move { dx: i16, dy: i16 },
    }

    #[derive(uDebug)]
    enum Void {}

    pub struct Sink(String);

    impl uWrite for Sink {
        type Error = core::convert::Infallible;
        fn write_str(&mut self, s: &str) -> Result<(), Self::Error> {
            self.0.push_str(s);
            Ok(())
        }
    }

    fn report<W: uWrite + ?Sized>(w: &mut W, ev: &Event) -> Result<(), W::Error> {
        uwriteln!(w, "event = {:?}", ev)
    }

    pub fn run() -> Result<(), core::convert::Infallible> {
        let mut s = Sink(String::new());
        let pair = Pair { x: 1, y: 2 };
        uwrite!(s, "{:?}", pair)?;
        uwrite!(&mut s, "{:#?}", pair)?;
        uwriteln!(s, "{}, {}", pair.x, pair.y)?;
        uwriteln!(s, "{:?} {:?}", Meters(3, -1), Unit)?;
        uwriteln!(s, "{:?}", Generic { label: "g", first: 1u8, second: true })?;
        uwriteln!(s, "hex {:x} {:X} {:#x} {:08x} {:#06X}", 255u8, 48879u16, 4096u32, 0xbeefu32, 42u64)?;
        uwriteln!(s, "escaped {{braces}} and {} args: {}, {:?}", "three", 10i32, "quoted")?;
        report(&mut s, &Event::Idle)?;
        report(&mut s, &Event::Key(b'a', true))?;
        report(&mut s, &Event::Move { dx: -3, dy: 4 })?;
        let _ = core::mem::size_of::<Void>();
        println!("{}", s.0);
        Ok(())
    }
}

fn main() {
    app::run().unwrap();
}
