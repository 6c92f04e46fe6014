//! Kubernetes Events on what changed: an instance's state, an RGD's conditions. Only on change,
//! so a steady state writes none; best effort, so a refused event never fails a reconcile.

use kube::Resource;
use kube::api::{ApiResource, DynamicObject};
use kube::runtime::events::{Event, EventType, Recorder, Reporter};

/// The longest note an Event carries (the API server's limit is 1 KiB).
const MAX_NOTE: usize = 1000;

/// Publishes Events as `kro`.
pub struct Events {
    recorder: Recorder,
}

impl Events {
    /// A publisher for this controller process.
    pub fn new(client: kube::Client) -> Events {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "kro".to_owned());
        let reporter = Reporter {
            controller: "kro".to_owned(),
            instance: Some(format!("{host}-{}", std::process::id())),
        };
        Events {
            recorder: Recorder::new(client, reporter),
        }
    }

    /// Publishes one Event about `object` (of `resource`).
    pub async fn publish(
        &self,
        object: &DynamicObject,
        resource: &ApiResource,
        warning: bool,
        reason: &str,
        note: &str,
    ) {
        let event = Event {
            type_: if warning {
                EventType::Warning
            } else {
                EventType::Normal
            },
            reason: reason.to_owned(),
            note: Some(truncate(note)),
            action: "Reconcile".to_owned(),
            secondary: None,
        };
        if let Err(error) = self
            .recorder
            .publish(&event, &object.object_ref(resource))
            .await
        {
            tracing::debug!(%error, reason, "could not publish an event");
        }
    }
}

fn truncate(note: &str) -> String {
    if note.len() <= MAX_NOTE {
        return note.to_owned();
    }
    let mut end = MAX_NOTE;
    while !note.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &note[..end])
}

#[cfg(test)]
mod tests {
    use super::truncate;

    #[test]
    fn long_notes_are_cut_at_a_character_boundary() {
        assert_eq!(truncate("short"), "short");
        let long = "é".repeat(800);
        let cut = truncate(&long);
        assert!(cut.len() <= super::MAX_NOTE + '…'.len_utf8());
        assert!(cut.ends_with('…'));
    }
}
