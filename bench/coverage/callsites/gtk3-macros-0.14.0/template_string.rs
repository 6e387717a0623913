// Follows gtk3-macros' lib.rs docs of `#[derive(CompositeTemplate)]` (gtk3-macros 0.14.0, which gtk 0.14.3
// re-exports as gtk::CompositeTemplate) and gtk's subclass::widget API: widgets whose template is given inline with
// `#[template(string = "...")]`, children bound by field name with `#[template_child]` and by another id with
// `#[template_child(id = "...")]`, a field without the attribute (left alone), a widget with no bound child, and
// `bind_template` in `class_init` / `init_template` in `instance_init` as the docs ask. The macro finds the gtk crate
// through proc-macro-crate, reading the caller's Cargo.toml. (gtk3-macros 0.14.0 expands the `string` form to
// `klass.set_template(&"...")`, which does not type-check against `set_template(&[u8])`; only its expansion matters here.)
// dependency: gtk = "=0.14.3"
use gtk::glib;
use gtk::prelude::*;
use gtk::subclass::prelude::*;
use gtk::CompositeTemplate;

mod imp {
    use super::*;
    use std::cell::Cell;

    #[derive(Debug, Default, CompositeTemplate)]
    #[template(string = r#"
<interface>
  <template class="CounterBox" parent="GtkBox">
    <property name="orientation">vertical</property>
    <property name="spacing">6</property>
    <child>
      <object class="GtkLabel" id="label">
        <property name="visible">True</property>
        <property name="label">0 clicks</property>
      </object>
    </child>
    <child>
      <object class="GtkButton" id="increment_button">
        <property name="visible">True</property>
        <property name="label">Increment</property>
      </object>
    </child>
    <child>
      <object class="GtkButton" id="reset_button">
        <property name="visible">True</property>
        <property name="label">Reset</property>
      </object>
    </child>
  </template>
</interface>
"#)]
    pub struct CounterBox {
        #[template_child]
        pub label: TemplateChild<gtk::Label>,
        #[template_child(id = "increment_button")]
        pub increment: TemplateChild<gtk::Button>,
        #[template_child(id = "reset_button")]
        pub reset: TemplateChild<gtk::Button>,
        /// Not in the template: a field without `#[template_child]` is not bound.
        pub clicks: Cell<u32>,
    }

    #[glib::object_subclass]
    impl ObjectSubclass for CounterBox {
        const NAME: &'static str = "CounterBox";
        type Type = super::CounterBox;
        type ParentType = gtk::Box;

        fn class_init(klass: &mut Self::Class) {
            Self::bind_template(klass);
        }

        fn instance_init(obj: &glib::subclass::InitializingObject<Self>) {
            obj.init_template();
        }
    }

    impl ObjectImpl for CounterBox {
        fn constructed(&self, obj: &Self::Type) {
            self.parent_constructed(obj);
            let weak = obj.downgrade();
            self.increment.connect_clicked(move |_| {
                if let Some(obj) = weak.upgrade() {
                    obj.add_click();
                }
            });
            let weak = obj.downgrade();
            self.reset.connect_clicked(move |_| {
                if let Some(obj) = weak.upgrade() {
                    obj.reset_clicks();
                }
            });
        }
    }
    impl WidgetImpl for CounterBox {}
    impl ContainerImpl for CounterBox {}
    impl BoxImpl for CounterBox {}

    /// A template without any child the code needs: nothing to bind.
    #[derive(Debug, Default, CompositeTemplate)]
    #[template(string = r#"
<interface>
  <template class="Banner" parent="GtkBox">
    <property name="spacing">12</property>
    <child>
      <object class="GtkImage">
        <property name="visible">True</property>
        <property name="icon-name">dialog-information</property>
      </object>
    </child>
    <child>
      <object class="GtkLabel">
        <property name="visible">True</property>
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
    impl ContainerImpl for Banner {}
    impl BoxImpl for Banner {}
}

glib::wrapper! {
    pub struct CounterBox(ObjectSubclass<imp::CounterBox>)
        @extends gtk::Box, gtk::Container, gtk::Widget,
        @implements gtk::Buildable, gtk::Orientable;
}

impl CounterBox {
    pub fn new() -> Self {
        glib::Object::new(&[]).expect("Failed to create a CounterBox")
    }

    fn add_click(&self) {
        let imp = imp::CounterBox::from_instance(self);
        imp.clicks.set(imp.clicks.get() + 1);
        imp.label.set_text(&format!("{} clicks", imp.clicks.get()));
    }

    fn reset_clicks(&self) {
        let imp = imp::CounterBox::from_instance(self);
        imp.clicks.set(0);
        imp.label.set_text("0 clicks");
    }
}

glib::wrapper! {
    pub struct Banner(ObjectSubclass<imp::Banner>)
        @extends gtk::Box, gtk::Container, gtk::Widget,
        @implements gtk::Buildable, gtk::Orientable;
}

impl Banner {
    pub fn new() -> Self {
        glib::Object::new(&[]).expect("Failed to create a Banner")
    }
}

fn main() {
    if gtk::init().is_err() {
        eprintln!("no display: GTK could not be initialized");
        return;
    }
    let window = gtk::Window::new(gtk::WindowType::Toplevel);
    window.set_title("CompositeTemplate from a string");
    let content = gtk::Box::new(gtk::Orientation::Vertical, 6);
    content.add(&Banner::new());
    content.add(&CounterBox::new());
    window.add(&content);
    window.connect_destroy(|_| gtk::main_quit());
    window.show_all();
    gtk::main();
}
