// Follows the crate's README/lib.rs: #[derive(EnumToU8)] on field-less enums gives
// `fn enum_to_u8(&self) -> &'static [u8]` returning the NUL-terminated variant name (as used for
// C-string names of SGX/OCALL-style enums).

#[macro_use]
extern crate enum_to_u8_slice_derive;

use std::ffi::CStr;

#[derive(EnumToU8, Clone, Copy, Debug, PartialEq)]
pub enum SgxStatus {
    SgxSuccess,
    SgxErrorUnexpected,
    SgxErrorInvalidParameter,
    SgxErrorOutOfMemory,
    SgxErrorEnclaveLost,
}

#[derive(EnumToU8)]
#[allow(non_camel_case_types)]
pub enum CipherSuite {
    TLS_AES_128_GCM_SHA256 = 0x1301,
    TLS_AES_256_GCM_SHA384 = 0x1302,
    TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
}

pub mod http {
    #[derive(EnumToU8, Debug)]
    pub enum Method {
        Get,
        Head,
        Post,
        Put,
        Delete,
        Options,
    }

    impl Method {
        pub fn as_bytes(&self) -> &'static [u8] {
            let name = self.enum_to_u8();
            &name[..name.len() - 1]
        }
    }
}

#[derive(EnumToU8)]
enum Single {
    Only,
}

fn main() {
    let status = SgxStatus::SgxErrorOutOfMemory;
    let cname = CStr::from_bytes_with_nul(status.enum_to_u8()).unwrap();
    println!("{:?} -> {:?}", status, cname);
    assert_eq!(CipherSuite::TLS_AES_256_GCM_SHA384.enum_to_u8(), b"TLS_AES_256_GCM_SHA384\0");
    assert_eq!(http::Method::Options.as_bytes(), b"Options");
    assert_eq!(Single::Only.enum_to_u8(), b"Only\0");
}
