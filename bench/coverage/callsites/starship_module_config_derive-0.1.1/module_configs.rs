// Follows starship's own use of the derive (src/config.rs `ModuleConfig<'a>` trait and the
// src/configs/*.rs module configs: #[derive(Clone, ModuleConfig)] on structs with a lifetime 'a).
// dependency: toml = "0.5"

pub mod config {
    /// Root config of a module, as in starship's src/config.rs.
    pub trait ModuleConfig<'a>
    where
        Self: Default,
    {
        /// Construct a `ModuleConfig` from a toml value.
        fn from_config(_config: &'a toml::Value) -> Option<Self> {
            None
        }

        /// Merge `self` with config from a toml table.
        fn load_config(&self, config: &'a toml::Value) -> Self {
            Self::from_config(config).unwrap_or_default()
        }
    }

    impl<'a> ModuleConfig<'a> for &'a str {
        fn from_config(config: &'a toml::Value) -> Option<Self> {
            config.as_str()
        }
    }

    impl<'a> ModuleConfig<'a> for bool {
        fn from_config(config: &toml::Value) -> Option<Self> {
            config.as_bool()
        }
    }

    impl<'a> ModuleConfig<'a> for i64 {
        fn from_config(config: &toml::Value) -> Option<Self> {
            config.as_integer()
        }
    }

    impl<'a> ModuleConfig<'a> for u64 {
        fn from_config(config: &toml::Value) -> Option<Self> {
            config.as_integer().map(|i| i as u64)
        }
    }

    impl<'a> ModuleConfig<'a> for f64 {
        fn from_config(config: &toml::Value) -> Option<Self> {
            config.as_float()
        }
    }

    impl<'a, T> ModuleConfig<'a> for Vec<T>
    where
        T: ModuleConfig<'a>,
    {
        fn from_config(config: &'a toml::Value) -> Option<Self> {
            config
                .as_array()?
                .iter()
                .map(|value| T::from_config(value))
                .collect()
        }
    }

    impl<'a, T> ModuleConfig<'a> for Option<T>
    where
        T: ModuleConfig<'a> + Sized,
    {
        fn from_config(config: &'a toml::Value) -> Option<Self> {
            Some(T::from_config(config))
        }
    }
}

pub mod configs {
    use crate::config::ModuleConfig;
    use starship_module_config_derive::ModuleConfig;

    #[derive(Clone, Default, ModuleConfig)]
    pub struct CharacterConfig<'a> {
        pub format: &'a str,
        pub success_symbol: &'a str,
        pub error_symbol: &'a str,
        pub vicmd_symbol: &'a str,
        pub disabled: bool,
    }

    #[derive(Clone, Default, ModuleConfig)]
    pub struct CmdDurationConfig<'a> {
        pub min_time: i64,
        pub format: &'a str,
        pub style: &'a str,
        pub show_milliseconds: bool,
        pub show_notifications: bool,
        pub min_time_to_notify: i64,
        pub notification_timeout: Option<u64>,
        pub disabled: bool,
    }

    #[derive(Clone, Default, ModuleConfig)]
    pub struct DirectoryConfig<'a> {
        pub truncation_length: i64,
        pub truncate_to_repo: bool,
        pub fish_style_pwd_dir_length: i64,
        pub use_logical_path: bool,
        pub format: &'a str,
        pub style: &'a str,
        pub read_only: &'a str,
        pub home_symbol: &'a str,
        pub disabled: bool,
    }

    #[derive(Clone, Default, ModuleConfig)]
    pub struct BatteryDisplayConfig<'a> {
        pub threshold: i64,
        pub style: &'a str,
        pub charging_symbol: Option<&'a str>,
    }

    #[derive(Clone, Default, ModuleConfig)]
    pub struct BatteryConfig<'a> {
        pub full_symbol: &'a str,
        pub unknown_symbol: &'a str,
        pub display: Vec<BatteryDisplayConfig<'a>>,
        pub disabled: bool,
        pub format: &'a str,
    }

    #[derive(Clone, Default, ModuleConfig)]
    pub struct StatusConfig<'a> {
        pub format: &'a str,
        pub symbol: &'a str,
        pub recognize_signal_code: bool,
        pub map_symbol: bool,
        pub pipestatus: bool,
        pub disabled: bool,
    }
}

use config::ModuleConfig as _;

fn main() {
    let raw = r#"
        format = "$symbol "
        success_symbol = "[>](bold green)"
        error_symbol = "[x](bold red)"
        min_time = 500
        show_milliseconds = true
        display = [{ threshold = 10, style = "bold red" }]
    "#;
    let value: toml::Value = raw.parse().unwrap();
    let base = configs::CharacterConfig {
        format: "$symbol",
        success_symbol: ">",
        error_symbol: "x",
        vicmd_symbol: "<",
        disabled: false,
    };
    let merged = base.load_config(&value);
    println!("{} {}", merged.format, merged.success_symbol);
    let dur = configs::CmdDurationConfig::default().load_config(&value);
    println!("{} {}", dur.min_time, dur.show_milliseconds);
    let battery = configs::BatteryConfig::default().load_config(&value);
    println!("{}", battery.display.len());
    let _ = configs::DirectoryConfig::from_config(&value);
    let _ = configs::StatusConfig::default().load_config(&value);
}
