//! A plain textarea with the lines findings point at highlighted behind the text: a
//! backdrop `<pre>` with the same font and metrics, scrolled with the textarea.

use web_sys::HtmlTextAreaElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub id: AttrValue,
    pub value: AttrValue,
    /// 1-based lines to highlight.
    #[prop_or_default]
    pub highlight: Vec<u32>,
    pub oninput: Callback<String>,
    #[prop_or_default]
    pub placeholder: AttrValue,
    /// Set from outside to move the caret to a line (1-based), e.g. a clicked finding.
    #[prop_or_default]
    pub goto_line: Option<(u32, u64)>,
    /// `small` for the PEM inputs; the stylesheet sizes editors by class (the page's
    /// Content-Security-Policy forbids style attributes).
    #[prop_or_default]
    pub size: Option<&'static str>,
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let area = use_node_ref();
    let backdrop = use_node_ref();
    let oninput = {
        let cb = props.oninput.clone();
        Callback::from(move |e: InputEvent| {
            let t: HtmlTextAreaElement = e.target_unchecked_into();
            cb.emit(t.value());
        })
    };
    let onscroll = {
        let (area, backdrop) = (area.clone(), backdrop.clone());
        Callback::from(move |_: Event| sync_scroll(&area, &backdrop))
    };
    {
        // Jump to a line when asked (the second element makes repeated clicks count).
        let area = area.clone();
        let backdrop = backdrop.clone();
        let value = props.value.clone();
        use_effect_with(props.goto_line, move |goto| {
            if let (Some((line, _)), Some(t)) = (goto, area.cast::<HtmlTextAreaElement>()) {
                let start = offset_of_line(&value, *line);
                let end = value[start..].find('\n').map_or(value.len(), |i| start + i);
                let (s, e) = (utf16_len(&value[..start]), utf16_len(&value[..end]));
                let _ = t.focus();
                let _ = t.set_selection_range(s, e);
                let line_height = 19.5; // 13px × 1.5, as the stylesheet sets
                t.set_scroll_top(((*line as f64 - 3.0).max(0.0) * line_height) as i32);
                sync_scroll(&area, &backdrop);
            }
        });
    }
    let highlight = &props.highlight;
    let lines = props.value.split('\n').enumerate().map(|(i, l)| {
        let n = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let class = if highlight.binary_search(&n).is_ok() {
            "line hl"
        } else {
            "line"
        };
        // A space keeps empty lines one line high.
        html! { <div class={class} data-line={n.to_string()}>{ if l.is_empty() { " " } else { l } }</div> }
    });
    html! {
        <div class={classes!("editor", props.size)}>
            <pre class="backdrop" ref={backdrop} aria-hidden="true">{ for lines }</pre>
            <textarea id={props.id.clone()} ref={area} spellcheck="false" autocomplete="off"
                value={props.value.clone()} {oninput} {onscroll}
                placeholder={props.placeholder.clone()} />
        </div>
    }
}

fn sync_scroll(area: &NodeRef, backdrop: &NodeRef) {
    if let (Some(t), Some(b)) = (
        area.cast::<HtmlTextAreaElement>(),
        backdrop.cast::<web_sys::Element>(),
    ) {
        b.set_scroll_top(t.scroll_top());
        b.set_scroll_left(t.scroll_left());
    }
}

/// Byte offset of the start of 1-based `line`.
fn offset_of_line(text: &str, line: u32) -> usize {
    if line <= 1 {
        return 0;
    }
    text.match_indices('\n')
        .nth(line as usize - 2)
        .map_or(text.len(), |(i, _)| i + 1)
}

/// Textarea selection offsets count UTF-16 code units.
fn utf16_len(s: &str) -> u32 {
    u32::try_from(s.encode_utf16().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    #[test]
    fn offsets() {
        assert_eq!(super::offset_of_line("a\nbc\nd", 1), 0);
        assert_eq!(super::offset_of_line("a\nbc\nd", 2), 2);
        assert_eq!(super::offset_of_line("a\nbc\nd", 3), 5);
        assert_eq!(super::offset_of_line("a\nbc\nd", 9), 6);
        assert_eq!(super::utf16_len("é😀"), 3);
    }
}
