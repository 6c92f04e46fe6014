//! Core values → protocol values.

use std::collections::HashMap;

use kro_core::diagnostic::{self, Severity};
use kro_core::ide::{self, CompletionKind, LensKind, SymbolKind};
use kro_core::text::TextRange;
use tower_lsp_server::ls_types::{
    self as lsp, CodeAction, CodeActionKind, CodeLens, Command, CompletionItemKind,
    DiagnosticRelatedInformation, DiagnosticSeverity, Documentation, Location, MarkupContent,
    MarkupKind, NumberOrString, Position, Range, WorkspaceEdit,
};

use crate::documents::Snapshot;

pub(crate) fn position(snapshot: &Snapshot, offset: usize) -> Position {
    snapshot.line_index.position(&snapshot.text, offset)
}

pub(crate) fn range(snapshot: &Snapshot, range: TextRange) -> Range {
    Range::new(
        position(snapshot, range.start),
        position(snapshot, range.end),
    )
}

pub(crate) fn location(snapshot: &Snapshot, text_range: TextRange) -> Location {
    Location::new(snapshot.uri.clone(), range(snapshot, text_range))
}

pub(crate) fn diagnostic(snapshot: &Snapshot, d: &diagnostic::Diagnostic) -> lsp::Diagnostic {
    let related: Vec<DiagnosticRelatedInformation> = d
        .related
        .iter()
        .map(|r| DiagnosticRelatedInformation {
            location: location(snapshot, r.range),
            message: r.message.clone(),
        })
        .collect();
    lsp::Diagnostic {
        range: range(snapshot, d.range),
        severity: Some(match d.severity() {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
            Severity::Info => DiagnosticSeverity::INFORMATION,
        }),
        code: Some(NumberOrString::String(d.code.as_str().to_owned())),
        source: Some("kro".to_owned()),
        message: d.message.clone(),
        related_information: (!related.is_empty()).then_some(related),
        ..lsp::Diagnostic::default()
    }
}

pub(crate) fn text_edit(snapshot: &Snapshot, edit: &ide::TextEdit) -> lsp::TextEdit {
    lsp::TextEdit::new(range(snapshot, edit.range), edit.new_text.clone())
}

pub(crate) fn workspace_edit(snapshot: &Snapshot, edits: &[ide::TextEdit]) -> WorkspaceEdit {
    let edits = edits.iter().map(|e| text_edit(snapshot, e)).collect();
    WorkspaceEdit::new(HashMap::from([(snapshot.uri.clone(), edits)]))
}

fn markdown(value: String) -> MarkupContent {
    MarkupContent {
        kind: MarkupKind::Markdown,
        value,
    }
}

pub(crate) fn hover(snapshot: &Snapshot, hover: ide::HoverResult) -> lsp::Hover {
    lsp::Hover {
        contents: lsp::HoverContents::Markup(markdown(hover.markdown)),
        range: Some(range(snapshot, hover.range)),
    }
}

pub(crate) fn completion_item(
    snapshot: &Snapshot,
    index: usize,
    item: ide::CompletionItem,
) -> lsp::CompletionItem {
    lsp::CompletionItem {
        kind: Some(match item.kind {
            CompletionKind::Field => CompletionItemKind::FIELD,
            CompletionKind::Resource => CompletionItemKind::VARIABLE,
            CompletionKind::Variable => CompletionItemKind::VARIABLE,
            CompletionKind::Type => CompletionItemKind::CLASS,
            CompletionKind::Marker => CompletionItemKind::PROPERTY,
            CompletionKind::Value => CompletionItemKind::ENUM_MEMBER,
            CompletionKind::Function => CompletionItemKind::FUNCTION,
        }),
        detail: item.detail,
        documentation: item
            .documentation
            .map(|d| Documentation::MarkupContent(markdown(d))),
        // Keep core's order: it ranks what fits the position first.
        sort_text: Some(format!("{index:04}")),
        filter_text: Some(item.label.clone()),
        text_edit: Some(lsp::CompletionTextEdit::Edit(text_edit(
            snapshot, &item.edit,
        ))),
        label: item.label,
        ..lsp::CompletionItem::default()
    }
}

fn symbol_kind(kind: SymbolKind) -> lsp::SymbolKind {
    match kind {
        SymbolKind::Rgd => lsp::SymbolKind::CLASS,
        SymbolKind::Schema => lsp::SymbolKind::INTERFACE,
        SymbolKind::Section => lsp::SymbolKind::NAMESPACE,
        SymbolKind::Field => lsp::SymbolKind::FIELD,
        SymbolKind::Type => lsp::SymbolKind::STRUCT,
        SymbolKind::StatusField => lsp::SymbolKind::PROPERTY,
        SymbolKind::Resource => lsp::SymbolKind::OBJECT,
    }
}

#[allow(deprecated)] // `deprecated` is a required field of the struct
pub(crate) fn document_symbol(snapshot: &Snapshot, symbol: ide::Symbol) -> lsp::DocumentSymbol {
    lsp::DocumentSymbol {
        name: symbol.name,
        detail: symbol.detail,
        kind: symbol_kind(symbol.kind),
        tags: None,
        deprecated: None,
        range: range(snapshot, symbol.range),
        selection_range: range(snapshot, symbol.selection_range),
        children: Some(
            symbol
                .children
                .into_iter()
                .map(|s| document_symbol(snapshot, s))
                .collect(),
        ),
    }
}

/// A quick fix; the fix of a diagnostic is the preferred action, an assist is not.
pub(crate) fn code_action(snapshot: &Snapshot, assist: ide::Assist) -> CodeAction {
    CodeAction {
        title: assist.title,
        kind: Some(CodeActionKind::QUICKFIX),
        is_preferred: Some(assist.diagnostic.is_some()),
        diagnostics: assist.diagnostic.map(|d| vec![diagnostic(snapshot, &d)]),
        edit: Some(workspace_edit(snapshot, &assist.edits)),
        ..CodeAction::default()
    }
}

pub(crate) fn inlay_hint(snapshot: &Snapshot, hint: ide::InlayHint) -> lsp::InlayHint {
    lsp::InlayHint {
        position: position(snapshot, hint.offset),
        label: lsp::InlayHintLabel::String(hint.label),
        kind: Some(lsp::InlayHintKind::TYPE),
        text_edits: None,
        tooltip: hint.tooltip.map(lsp::InlayHintTooltip::String),
        padding_left: Some(true),
        padding_right: None,
        data: None,
    }
}

/// The client-side command a graph lens runs: the editors' "show graph" (VS Code's
/// `kro.showGraph`, the Neovim plugin's handler of the same name).
pub(crate) const SHOW_GRAPH_COMMAND: &str = "kro.showGraph";

/// A lens with a command so every editor shows it: the graph lens opens the graph view; a
/// marker's empty command makes it a plain label (VS Code renders it unclickable).
pub(crate) fn code_lens(snapshot: &Snapshot, lens: ide::Lens) -> CodeLens {
    let command = match lens.kind {
        LensKind::Graph => SHOW_GRAPH_COMMAND,
        LensKind::Marker => "",
    };
    CodeLens {
        range: range(snapshot, lens.range),
        command: Some(Command::new(lens.title, command.to_owned(), None)),
        data: None,
    }
}
