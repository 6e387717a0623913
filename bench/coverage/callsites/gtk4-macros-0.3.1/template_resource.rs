// Follows gtk4-macros' lib.rs docs of `#[derive(CompositeTemplate)]` (gtk4-macros 0.3.1, which gtk4 0.3.1 re-exports
// as gtk::CompositeTemplate; the docs name gtk4 `gtk`, as the dependency line below renames it) with templates loaded
// from a GResource, `#[template(resource = "...")]`: an application window and a widget subclassing gtk::Widget
// itself (a BinLayout, a CSS name, its children unparented in `dispose`), children bound by field name
// (`#[template_child]`) and by id (`#[template_child(id = "...")]`), `bind_template` in `class_init`,
// `init_template` in `instance_init`. The `resource` form reads nothing while expanding (GTK looks the path up at
// run time; main registers a compiled .gresource first). The macro finds gtk4 (renamed) through proc-macro-crate,
// reading the caller's Cargo.toml.
// dependency: gtk = { package = "gtk4", version = "=0.3.1" }
use gtk::prelude::*;
use gtk::subclass::prelude::*;
use gtk::{gio, glib, CompositeTemplate};

const WINDOW_UI: &str = "/org/sandcrate/Example/window.ui";

mod imp {
    use super::*;

    #[derive(Debug, Default, CompositeTemplate)]
    #[template(resource = "/org/sandcrate/Example/card.ui")]
    pub struct Card {
        #[template_child(id = "card_title")]
        pub title: TemplateChild<gtk::Label>,
        #[template_child]
        pub body: TemplateChild<gtk::Label>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for Card {
        const NAME: &'static str = "SandcrateCard";
        type Type = super::Card;
        type ParentType = gtk::Widget;

        fn class_init(klass: &mut Self::Class) {
            Self::bind_template(klass);
            klass.set_layout_manager_type::<gtk::BinLayout>();
            klass.set_css_name("card");
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for Card {
        fn dispose(&self, obj: &Self::Type) {
            while let Some(child) = obj.first_child() {
                child.unparent();
            }
        }
    }
    impl WidgetImpl for Card {}

    #[derive(Debug, Default, CompositeTemplate)]
    #[template(resource = "/org/sandcrate/Example/window.ui")]
    pub struct ExampleWindow {
        #[template_child]
        pub header_bar: TemplateChild<gtk::HeaderBar>,
        #[template_child]
        pub stack: TemplateChild<gtk::Stack>,
        #[template_child(id = "stack_switcher")]
        pub switcher: TemplateChild<gtk::StackSwitcher>,
        #[template_child(id = "welcome_card")]
        pub card: TemplateChild<super::Card>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for ExampleWindow {
        const NAME: &'static str = "SandcrateExampleWindow";
        type Type = super::ExampleWindow;
        type ParentType = gtk::ApplicationWindow;

        fn class_init(klass: &mut Self::Class) {
            // the window's template names SandcrateCard: register the type before the template is parsed
            super::Card::static_type();
            Self::bind_template(klass);
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for ExampleWindow {
        fn constructed(&self, obj: &Self::Type) {
            self.parent_constructed(obj);
            self.switcher.set_stack(Some(&*self.stack));
            self.card.set_texts("Welcome", "A composite template loaded from a resource.");
        }
    }
    impl WidgetImpl for ExampleWindow {}
    impl WindowImpl for ExampleWindow {}
    impl ApplicationWindowImpl for ExampleWindow {}
}

glib::wrapper! {
    pub struct Card(ObjectSubclass<imp::Card>)
        @extends gtk::Widget,
        @implements gtk::Accessible, gtk::Buildable, gtk::ConstraintTarget;
}

impl Card {
    pub fn set_texts(&self, title: &str, body: &str) {
        let imp = imp::Card::from_instance(self);
        imp.title.set_text(title);
        imp.body.set_text(body);
    }
}

glib::wrapper! {
    pub struct ExampleWindow(ObjectSubclass<imp::ExampleWindow>)
        @extends gtk::ApplicationWindow, gtk::Window, gtk::Widget,
        @implements gio::ActionGroup, gio::ActionMap, gtk::Accessible, gtk::Buildable,
                    gtk::ConstraintTarget, gtk::Native, gtk::Root, gtk::ShortcutManager;
}

impl ExampleWindow {
    pub fn new(app: &gtk::Application) -> Self {
        glib::Object::new(&[("application", app)]).expect("Failed to create an ExampleWindow")
    }
}

fn main() {
    // The templates live in a resource bundle compiled by glib-compile-resources (sandcrate.gresource).
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
        ExampleWindow::new(app).present();
    });
    app.run();
}
