// Follows gtk3-macros' lib.rs docs of `#[derive(CompositeTemplate)]` (gtk3-macros 0.14.0, which gtk 0.14.3
// re-exports as gtk::CompositeTemplate) with the template loaded from a GResource, `#[template(resource = "...")]`,
// for an application window: children bound by field name (`#[template_child]`) and by id
// (`#[template_child(id = "...")]`), `bind_template` in `class_init`, `init_template` in `instance_init`. The
// `resource` form reads nothing while expanding (GTK looks the path up at run time; main registers a compiled
// .gresource first). The macro finds the gtk crate through proc-macro-crate, reading the caller's Cargo.toml.
// dependency: gtk = "=0.14.3"
use gtk::prelude::*;
use gtk::subclass::prelude::*;
use gtk::{gio, glib, CompositeTemplate};

const WINDOW_UI: &str = "/org/sandcrate/Example/window.ui";

mod imp {
    use super::*;

    #[derive(Debug, Default, CompositeTemplate)]
    #[template(resource = "/org/sandcrate/Example/window.ui")]
    pub struct ExampleWindow {
        #[template_child]
        pub header_bar: TemplateChild<gtk::HeaderBar>,
        #[template_child]
        pub stack: TemplateChild<gtk::Stack>,
        #[template_child(id = "stack_switcher")]
        pub switcher: TemplateChild<gtk::StackSwitcher>,
        #[template_child(id = "status")]
        pub status_label: TemplateChild<gtk::Label>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ExampleWindow {
        const NAME: &'static str = "ExampleWindow";
        type Type = super::ExampleWindow;
        type ParentType = gtk::ApplicationWindow;

        fn class_init(klass: &mut Self::Class) {
            Self::bind_template(klass);
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for ExampleWindow {
        fn constructed(&self, obj: &Self::Type) {
            self.parent_constructed(obj);
            self.header_bar.set_subtitle(Some("a composite template from a resource"));
            self.switcher.set_stack(Some(&*self.stack));
            self.status_label.set_text("Ready");
        }
    }
    impl WidgetImpl for ExampleWindow {}
    impl ContainerImpl for ExampleWindow {}
    impl BinImpl for ExampleWindow {}
    impl WindowImpl for ExampleWindow {}
    impl ApplicationWindowImpl for ExampleWindow {}
}

glib::wrapper! {
    pub struct ExampleWindow(ObjectSubclass<imp::ExampleWindow>)
        @extends gtk::ApplicationWindow, gtk::Window, gtk::Bin, gtk::Container, gtk::Widget,
        @implements gio::ActionGroup, gio::ActionMap, gtk::Buildable;
}

impl ExampleWindow {
    pub fn new(app: &gtk::Application) -> Self {
        glib::Object::new(&[("application", app)]).expect("Failed to create an ExampleWindow")
    }
}

fn main() {
    // The template lives in a resource bundle compiled by glib-compile-resources (sandcrate.gresource).
    match gio::Resource::load("sandcrate.gresource") {
        Ok(resource) => gio::resources_register(&resource),
        Err(err) => {
            eprintln!("sandcrate.gresource: {}", err);
            return;
        }
    }
    if gio::resources_lookup_data(WINDOW_UI, gio::ResourceLookupFlags::NONE).is_err() {
        eprintln!("{} is not in sandcrate.gresource", WINDOW_UI);
        return;
    }
    let app = gtk::Application::new(Some("org.sandcrate.Example"), Default::default());
    app.connect_activate(|app| {
        let window = ExampleWindow::new(app);
        window.show_all();
    });
    app.run();
}
