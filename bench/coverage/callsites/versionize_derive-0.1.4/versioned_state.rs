// Follows the versionize_derive lib.rs docs: `#[derive(Versionize)]` on structs and enums with
// `#[version(start, end, default_fn, ser_fn, de_fn)]` field/variant annotations. The expansion names the
// `versionize` crate's items unqualified; a stand-in `versionize` module provides them.
extern crate versionize_derive;

mod versionize {
    use std::any::TypeId;
    use std::collections::HashMap;

    #[derive(Debug)]
    pub enum VersionizeError {
        Serialize(String),
        Deserialize(String),
        Semantic(String),
        UnsupportedVersion(u16),
    }

    pub type VersionizeResult<T> = std::result::Result<T, VersionizeError>;

    #[derive(Debug, Default, Clone)]
    pub struct VersionMap {
        versions: Vec<HashMap<TypeId, u16>>,
    }

    impl VersionMap {
        pub fn new() -> Self {
            VersionMap { versions: vec![HashMap::new()] }
        }
        pub fn get_type_version(&self, app_version: u16, type_id: TypeId) -> u16 {
            self.versions[..app_version as usize]
                .iter()
                .rev()
                .find_map(|m| m.get(&type_id).copied())
                .unwrap_or(1)
        }
    }

    pub trait Versionize {
        fn serialize<W: std::io::Write>(&self, writer: &mut W, version_map: &VersionMap, target_version: u16) -> VersionizeResult<()>;
        fn deserialize<R: std::io::Read>(reader: &mut R, version_map: &VersionMap, source_version: u16) -> VersionizeResult<Self>
        where
            Self: Sized;
        fn type_id() -> TypeId
        where
            Self: 'static,
        {
            TypeId::of::<Self>()
        }
        fn version() -> u16;
    }
}

use versionize::{VersionMap, Versionize, VersionizeError, VersionizeResult};
use versionize_derive::Versionize;

/// Simple struct with a field added in version 2 (the first docs example).
#[derive(Clone, Debug, Versionize)]
pub struct Test {
    a: u32,
    #[version(start = 2)]
    b: u8,
}

/// A device state with a default function, an end version and semantic (de)serialization functions.
#[derive(Clone, Debug, Versionize)]
pub struct DeviceState {
    pub id: String,
    pub features: u64,
    #[version(start = 2, default_fn = "default_queue_size")]
    pub queue_size: u16,
    #[version(start = 2, end = 4)]
    pub legacy_irq: u32,
    #[version(start = 3, ser_fn = "ser_mtu", de_fn = "de_mtu")]
    pub mtu: u16,
    #[version(start = 4, default_fn = "default_queues")]
    pub queues: Vec<QueueState>,
    pub config_space: [u8; 8],
    pub activated: Option<bool>,
    pub boxed: Box<u64>,
}

impl DeviceState {
    fn default_queue_size(_source_version: u16) -> u16 {
        256
    }

    fn default_queues(_source_version: u16) -> Vec<QueueState> {
        Vec::new()
    }

    fn ser_mtu(&mut self, target_version: u16) -> VersionizeResult<()> {
        if target_version < 3 && self.mtu != 1500 {
            return Err(VersionizeError::Semantic("mtu must be 1500 before v3".to_owned()));
        }
        Ok(())
    }

    fn de_mtu(&mut self, source_version: u16) -> VersionizeResult<()> {
        if source_version < 3 {
            self.mtu = 1500;
        }
        Ok(())
    }
}

/// A nested struct, with a removed field.
#[derive(Clone, Debug, Default, Versionize)]
pub struct QueueState {
    max_size: u16,
    size: u16,
    ready: bool,
    #[version(end = 2)]
    old_flags: u32,
    desc_table: u64,
}

/// A small wrapper struct.
#[derive(Clone, Debug, Versionize)]
pub struct GuestAddress {
    addr: u64,
    #[version(start = 2)]
    len: usize,
}

/// An enum with versioned variants and a default variant for older versions.
#[derive(Clone, Debug, PartialEq, Versionize)]
pub enum DeviceStatus {
    Inactive,
    Active(u32),
    #[version(start = 2, default_fn = "default_status")]
    Paused { since: u64, reason: String },
}

impl Default for DeviceStatus {
    fn default() -> Self {
        DeviceStatus::Inactive
    }
}

impl DeviceStatus {
    fn default_status(&self, target_version: u16) -> VersionizeResult<DeviceStatus> {
        match target_version {
            1 => Ok(DeviceStatus::Inactive),
            _ => Err(VersionizeError::Serialize("Unknown target version".to_owned())),
        }
    }
}

fn main() {
    let vm = VersionMap::new();
    let mut buf = Vec::new();
    let t = Test { a: 1, b: 2 };
    t.serialize(&mut buf, &vm, 1).unwrap();
    let _ = Test::deserialize(&mut buf.as_slice(), &vm, 1);
    println!("{} {} {}", Test::version(), DeviceState::version(), DeviceStatus::version());
}
