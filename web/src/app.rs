//! The page: three tabs over one engine.

use crate::check::Check;
use crate::render_tab::Render;
use crate::rules_tab::Rules;
use yew::prelude::*;

#[derive(Clone, Copy, PartialEq)]
enum Tab {
    Check,
    Render,
    Rules,
}

#[function_component(App)]
pub fn app() -> Html {
    let tab = use_state(|| Tab::Check);
    let open_rule = use_state(|| None::<String>);
    let on_rule = {
        let (tab, open_rule) = (tab.clone(), open_rule.clone());
        Callback::from(move |code: String| {
            open_rule.set(Some(code));
            tab.set(Tab::Rules);
        })
    };
    let button = |t: Tab, label: &'static str| {
        let tab2 = tab.clone();
        let onclick = Callback::from(move |_: MouseEvent| tab2.set(t));
        html! {
            <button type="button" role="tab" aria-selected={(*tab == t).to_string()}
                class={classes!((*tab == t).then_some("active"))} {onclick}>{ label }</button>
        }
    };
    // The Check tab stays mounted (hidden) so its inputs survive a look at the rules.
    html! {
        <>
            <header>
                <h1>{ "vault-istio" }</h1>
                <p class="tagline">{ "Checks istiod's Vault-injected CA setup and its certificates, in this page only: nothing you paste leaves it." }</p>
                <nav class="tabs" role="tablist">
                    { button(Tab::Check, "Check") }
                    { button(Tab::Render, "Render") }
                    { button(Tab::Rules, "Rules") }
                </nav>
            </header>
            <div hidden={*tab != Tab::Check}><Check on_rule={on_rule} /></div>
            if *tab == Tab::Render { <Render /> }
            if *tab == Tab::Rules { <Rules open={(*open_rule).clone()} /> }
        </>
    }
}
