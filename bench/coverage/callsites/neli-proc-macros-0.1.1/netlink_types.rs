// Follows the neli-proc-macros lib.rs docs (`#[neli_enum(serialized_type = "...")]`, the Size/Header/ToBytes/
// FromBytes/FromBytesWithInput derives with their `#[neli(...)]` attributes), modelled on neli 0.6's own
// Nlmsghdr/Genlmsghdr/Nlattr. The expansion names `neli::...` and calls `log::trace!`; a stand-in `neli` is below.
// dependency: log = "0.4"
use neli_proc_macros::{neli_enum, FromBytes, FromBytesWithInput, Header, Size, ToBytes};

mod neli {
    use std::io::Cursor;

    pub mod err {
        #[derive(Debug)]
        pub struct SerError;
        #[derive(Debug)]
        pub struct DeError;
    }

    pub trait Size {
        fn unpadded_size(&self) -> usize;
        fn padded_size(&self) -> usize {
            (self.unpadded_size() + 3) & !3
        }
    }
    pub trait TypeSize {
        fn type_size() -> usize;
    }
    pub trait ToBytes: Size {
        fn to_bytes(&self, buffer: &mut Cursor<Vec<u8>>) -> Result<(), err::SerError>;
        fn pad(&self, buffer: &mut Cursor<Vec<u8>>) -> Result<(), err::SerError> {
            let n = self.padded_size() - self.unpadded_size();
            buffer.get_mut().extend(std::iter::repeat(0).take(n));
            Ok(())
        }
    }
    pub trait FromBytes<'a>: Sized {
        fn from_bytes(buffer: &mut Cursor<&'a [u8]>) -> Result<Self, err::DeError>;
        fn strip(buffer: &mut Cursor<&'a [u8]>) -> Result<(), err::DeError> {
            let pos = buffer.position();
            buffer.set_position((pos + 3) & !3);
            Ok(())
        }
    }
    pub trait FromBytesWithInput<'a>: Sized {
        type Input;
        fn from_bytes_with_input(buffer: &mut Cursor<&'a [u8]>, input: Self::Input) -> Result<Self, err::DeError>;
    }
    pub trait Header {
        fn header_size() -> usize;
    }
}

use neli::{FromBytes as _, Header as _, Size as _, TypeSize};

/// Netlink message types (constants as in linux/netlink.h).
#[neli_enum(serialized_type = "u16")]
pub enum Nlmsg {
    Noop = 1,
    Error = 2,
    Done = 3,
    Overrun = 4,
}

/// Generic netlink controller commands.
#[neli_enum(serialized_type = "u8")]
pub enum CtrlCmd {
    Unspec = 0,
    Newfamily = 1,
    Delfamily = 2,
    Getfamily = 3,
    #[allow(missing_docs)]
    Getpolicy = 10,
}

/// Attribute types, with a const expression as a discriminant.
#[neli_enum(serialized_type = "u16")]
pub enum CtrlAttr {
    Unspec = 0,
    FamilyId = 1,
    FamilyName = 2,
    Version = 3,
    Mcast = 1 + 6,
}

/// A netlink header whose payload length is computed from the header.
#[derive(Debug, PartialEq, Size, ToBytes, FromBytes, Header)]
#[neli(to_bytes_bound = "T: neli::TypeSize")]
#[neli(from_bytes_bound = "T: neli::TypeSize")]
#[neli(from_bytes_bound = "P: neli::Size + neli::FromBytesWithInput<Input = usize>")]
#[neli(padding)]
pub struct Nlmsghdr<T, P> {
    pub nl_len: u32,
    pub nl_type: T,
    pub nl_flags: u16,
    pub nl_seq: u32,
    pub nl_pid: u32,
    #[neli(input = "nl_len as usize - Self::header_size() as usize")]
    pub nl_payload: P,
}

/// A generic netlink header parsed with an input length.
#[derive(Debug, PartialEq, Size, ToBytes, FromBytesWithInput, Header)]
#[neli(header_bound = "C: TypeSize")]
#[neli(from_bytes_bound = "C: TypeSize")]
#[neli(from_bytes_bound = "T: TypeSize")]
#[neli(from_bytes_bound = "P: neli::FromBytesWithInput<Input = usize>")]
pub struct Genlmsghdr<C, T, P> {
    pub cmd: C,
    pub version: u8,
    reserved: u16,
    pub attr_type: T,
    #[neli(input = "input - Self::header_size()")]
    pub attrs: P,
}

/// An attribute with an explicit size for its payload.
#[derive(Debug, PartialEq, Size, ToBytes, FromBytesWithInput)]
#[neli(padding)]
pub struct Nlattr<P> {
    pub nla_len: u16,
    pub nla_type: CtrlAttr,
    #[neli(input = "(nla_len as usize).saturating_sub(4)", size = "nla_len as usize - 4")]
    pub nla_payload: P,
}

/// Tuple struct: the raw payload length is passed through.
#[derive(Debug, Size, ToBytes, FromBytesWithInput)]
pub struct Buffer(#[neli(input)] Vec<u8>);

/// A unit struct.
#[derive(Debug, Size, ToBytes, FromBytes)]
pub struct Empty;

/// Enum derives of Size and ToBytes, both variant shapes.
#[derive(Debug, Size, ToBytes)]
#[neli(to_bytes_bound = "P: neli::ToBytes")]
pub enum NlPayload<P> {
    Ack(u32),
    Err { error: i32, seq: u32 },
    Payload(P),
    Empty,
}

fn main() {
    let t = Nlmsg::from(3u16);
    assert!(!t.is_unrecognized());
    let raw: u16 = Nlmsg::UnrecognizedConst(99).into();
    println!("{:?} {} {}", t, raw, <Nlmsg as TypeSize>::type_size());
    println!("{}", CtrlCmd::Getfamily.unpadded_size());
    let _ = Nlmsghdr::<Nlmsg, Buffer>::header_size();
    let _ = Empty::from_bytes(&mut std::io::Cursor::new(&[][..]));
}
