// Follows gtk4-macros' lib.rs docs of `#[derive(CompositeTemplate)]` (gtk4-macros 0.3.1, which gtk4 0.3.1 re-exports
// as gtk::CompositeTemplate; the docs name gtk4 `gtk`, as the dependency line below renames it): the docs' MyWidget
// with its template inline, `#[template(string = "...")]`, a child bound by field name (`#[template_child]`) and one
// by another id (`#[template_child(id = "my_button_id")]`), `bind_template` in `class_init` and `init_template` in
// `instance_init`; besides, a field without the attribute (left alone) and a widget with no bound child. The macro
// finds gtk4 (renamed) through proc-macro-crate, reading the caller's Cargo.toml. (gtk4-macros 0.3.1 expands the
// `string` form to `klass.set_template(&"...")`, which does not type-check against `set_template(&[u8])`; only its
// expansion matters here.)
// dependency: gtk = { package = "gtk4", version = "=0.3.1" }
use gtk::glib;
use gtk::prelude::*;
use gtk::subclass::prelude::*;
use gtk::CompositeTemplate;

mod imp {
    use super::*;
    use std::cell::Cell;

    #[derive(Debug, Default, CompositeTemplate)]
    #[template(string = r#"
<?xml version="1.0" encoding="UTF-8"?>
<interface>
  <template class="MyWidget" parent="GtkBox">
    <property name="orientation">vertical</property>
    <property name="spacing">6</property>
    <child>
      <object class="GtkLabel" id="label">
        <property name="label">Some label</property>
      </object>
    </child>
    <child>
      <object class="GtkButton" id="my_button_id">
        <property name="label">Some button</property>
      </object>
    </child>
  </template>
</interface>
"#)]
    pub struct MyWidget {
        #[template_child]
        pub label: TemplateChild<gtk::Label>,
        #[template_child(id = "my_button_id")]
        pub button: TemplateChild<gtk::Button>,
        /// Not in the template: a field without `#[template_child]` is not bound.
        pub clicks: Cell<u32>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for MyWidget {
        const NAME: &'static str = "MyWidget";
        type Type = super::MyWidget;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            Self::bind_template(klass);
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for MyWidget {
        fn constructed(&self, obj: &Self::Type) {
            self.parent_constructed(obj);
            let weak = obj.downgrade();
            self.button.connect_clicked(move |_| {
                if let Some(obj) = weak.upgrade() {
                    obj.count_click();
                }
            });
        }
    }
    impl WidgetImpl for MyWidget {}
    impl BoxImpl for MyWidget {}

    /// A template without any child the code needs: nothing to bind.
    #[derive(Debug, Default, CompositeTemplate)]
    #[template(string = r#"
<interface>
  <template class="Banner" parent="GtkBox">
    <property name="spacing">12</property>
    <child>
      <object class="GtkImage">
        <property name="icon-name">dialog-information-symbolic</property>
      </object>
    </child>
    <child>
      <object class="GtkLabel">
        <property name="label">Written for the coverage benchmark</property>
      </object>
    </child>
  </template>
</interface>
"#)]
    pub struct Banner;

    #[glib::object_subclass]
    impl ObjectSubclass for Banner {
        const NAME: &'static str = "Banner";
        type Type = super::Banner;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            Self::bind_template(klass);
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for Banner {}
    impl WidgetImpl for Banner {}
    impl BoxImpl for Banner {}
}

glib::wrapper! {
    pub struct MyWidget(ObjectSubclass<imp::MyWidget>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Accessible, gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl MyWidget {
    pub fn new() -> Self {
        glib::Object::new(&[]).expect("Failed to create an instance of MyWidget")
    }

    fn count_click(&self) {
        let imp = imp::MyWidget::from_instance(self);
        imp.clicks.set(imp.clicks.get() + 1);
        imp.label.set_text(&format!("Clicked {} times", imp.clicks.get()));
    }
}

glib::wrapper! {
    pub struct Banner(ObjectSubclass<imp::Banner>)
        @extends gtk::Widget, gtk::Box,
        @implements gtk::Accessible, gtk::Buildable, gtk::ConstraintTarget, gtk::Orientable;
}

impl Banner {
    pub fn new() -> Self {
        glib::Object::new(&[]).expect("Failed to create an instance of Banner")
    }
}

fn main() {
    let app = gtk::Application::new(Some("org.sandcrate.TemplateString"), Default::default());
    app.connect_activate(|app| {
        let content = gtk::Box::new(gtk::Orientation::Vertical, 6);
        content.append(&Banner::new());
        content.append(&MyWidget::new());
        let window = gtk::ApplicationWindow::new(app);
        window.set_title(Some("CompositeTemplate from a string"));
        window.set_child(Some(&content));
        window.present();
    });
    app.run();
}
