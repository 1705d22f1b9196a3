//! The tag pickers of a form: one select per dimension of the office's
//! framework, shared by the case form and a message's page.

use std::collections::BTreeMap;

use casework_app::tags;

/// One select of the case form: a dimension with its values.
pub(crate) struct DimensionField {
    pub key: String,
    pub name: String,
    pub required: bool,
    /// (value id, label), the label indented for a child.
    pub options: Vec<(String, String)>,
    pub selected: String,
    /// Why the selected value was suggested, when it was.
    pub hint: String,
}

/// The selects of a form that tags an item: one per dimension (free tags
/// and automatic ones left out), current values kept even when retired.
pub(crate) fn dimension_fields(
    f: &tags::Framework,
    chosen: &BTreeMap<String, String>,
) -> Vec<DimensionField> {
    f.dimensions
        .iter()
        .filter(|d| d.dim.kind == "standard")
        .map(|d| {
            let selected = chosen.get(&d.dim.key).cloned().unwrap_or_default();
            DimensionField {
                key: d.dim.key.clone(),
                name: d.dim.name.clone(),
                required: d.dim.required,
                options: d
                    .values
                    .iter()
                    .filter(|v| !v.retired || v.id.to_string() == selected)
                    .map(|v| (v.id.to_string(), v.path.clone()))
                    .collect(),
                selected,
                hint: String::new(),
            }
        })
        .collect()
}
