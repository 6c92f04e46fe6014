//! `kubectl kro uninstall`: deletes what `install` created, refusing while RGDs or instances
//! exist unless `--force`; never deletes the CRDs generated from RGDs.

use anyhow::Result;
use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
use kube::api::{ApiResource, DeleteParams, DynamicObject, ListParams, Patch, PatchParams};
use kube::{Api, ResourceExt};
use serde_json::json;

use super::install::manifests::{DEFAULT_NAMESPACE, MANAGED_BY, Names, RGD_CRD_NAME};
use super::install::{Progress, api_for, check_namespace_name, refused};
use crate::Outcome;
use crate::kube_client::{self, ClusterArgs, Connection};

/// The finalizer kro puts on RGDs and instances.
const FINALIZER: &str = "kro.run/finalizer";

/// The label on CRDs generated from RGDs.
const OWNED_SELECTOR: &str = "kro.run/owned=true";

/// Remove the kro controller from a cluster.
///
/// Deletes the controller's Deployment, RBAC and ServiceAccount from the namespace (`-n`,
/// default kro-system), and the namespace itself when `install` created it. While
/// ResourceGraphDefinitions or instances of their kinds exist it refuses: without the
/// controller, nothing would manage their resources any more. `--force` uninstalls anyway and
/// also deletes the ResourceGraphDefinition CRD, and with it every RGD (after removing their
/// finalizers, which no controller would remove); `--keep-crd` keeps those.
///
/// The CRDs generated from RGDs (WebApp, …) and their instances are never deleted: deleting a
/// CRD deletes every instance, which is not a decision for an uninstaller.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  \
    kubectl kro uninstall                      refuses while RGDs exist\n  \
    kubectl kro uninstall --dry-run --force    what --force would delete\n  \
    kubectl kro uninstall --force --keep-crd   remove the controller, keep the RGDs\n\n\
    Exit status: 0 uninstalled, 1 refused (RGDs or instances exist), 2 cannot reach the cluster\n\
    or the cluster refused.")]
pub struct Args {
    /// Uninstall although RGDs or instances exist, and delete the ResourceGraphDefinition CRD
    /// with every RGD
    #[arg(long)]
    force: bool,
    /// With --force: keep the ResourceGraphDefinition CRD and the RGDs
    #[arg(long, requires = "force")]
    keep_crd: bool,
    /// Show what would be deleted, and delete nothing
    #[arg(long)]
    dry_run: bool,
}

pub fn run(args: Args, cluster: &ClusterArgs) -> Result<Outcome> {
    let namespace = cluster
        .namespace
        .clone()
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_owned());
    check_namespace_name(&namespace)?;
    kube_client::runtime()?.block_on(async {
        let connection = kube_client::connect(cluster).await?;
        uninstall(&connection, &Names::new(&namespace), &args).await
    })
}

/// What kro-managed things the cluster holds.
struct Inventory {
    rgd_crd: bool,
    rgds: Vec<DynamicObject>,
    /// Names of CRDs generated from RGDs.
    generated: Vec<String>,
    /// Kind and CRD name of the generated CRDs that have instances.
    with_instances: Vec<(String, String)>,
}

fn rgd_resource() -> ApiResource {
    ApiResource {
        group: "kro.run".into(),
        version: "v1alpha1".into(),
        api_version: "kro.run/v1alpha1".into(),
        kind: "ResourceGraphDefinition".into(),
        plural: "resourcegraphdefinitions".into(),
    }
}

async fn inventory(connection: &Connection) -> Result<Inventory> {
    let crds: Api<CustomResourceDefinition> = Api::all(connection.client.clone());
    let rgd_crd = crds
        .get_opt(RGD_CRD_NAME)
        .await
        .map_err(|e| refused(connection, e, "reading the ResourceGraphDefinition CRD"))?
        .is_some();
    let rgds = if rgd_crd {
        let api: Api<DynamicObject> = Api::all_with(connection.client.clone(), &rgd_resource());
        api.list(&ListParams::default())
            .await
            .map_err(|e| refused(connection, e, "listing ResourceGraphDefinitions"))?
            .items
    } else {
        Vec::new()
    };
    let generated_crds = crds
        .list(&ListParams::default().labels(OWNED_SELECTOR))
        .await
        .map_err(|e| refused(connection, e, "listing the CRDs generated from RGDs"))?
        .items;
    let mut generated = Vec::new();
    let mut with_instances = Vec::new();
    for crd in generated_crds {
        let name = crd.name_any();
        let spec = &crd.spec;
        let version = spec
            .versions
            .iter()
            .find(|v| v.storage)
            .or_else(|| spec.versions.first());
        if let Some(version) = version {
            let resource = ApiResource {
                group: spec.group.clone(),
                version: version.name.clone(),
                api_version: format!("{}/{}", spec.group, version.name),
                kind: spec.names.kind.clone(),
                plural: spec.names.plural.clone(),
            };
            let api: Api<DynamicObject> = Api::all_with(connection.client.clone(), &resource);
            let some = api
                .list(&ListParams::default().limit(1))
                .await
                .map_err(|e| refused(connection, e, &format!("listing instances of {name}")))?;
            if !some.items.is_empty() {
                with_instances.push((spec.names.kind.clone(), name.clone()));
            }
        }
        generated.push(name);
    }
    Ok(Inventory {
        rgd_crd,
        rgds,
        generated,
        with_instances,
    })
}

/// At most five names, then how many more.
fn some_of(names: &[String]) -> String {
    const SHOWN: usize = 5;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!(
            "{} and {} more",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `✓ deleted …`, or `· would delete …` on a dry run.
fn report(progress: &Progress, dry_run: bool, what: &str) {
    if dry_run {
        progress.note(what);
    } else {
        progress.done(what);
    }
}

async fn uninstall(connection: &Connection, names: &Names, args: &Args) -> Result<Outcome> {
    let progress = Progress::new();
    let found = inventory(connection).await?;
    let rgd_names: Vec<String> = found.rgds.iter().map(|r| r.name_any()).collect();
    if !args.force && (!rgd_names.is_empty() || !found.with_instances.is_empty()) {
        let mut what = Vec::new();
        if !rgd_names.is_empty() {
            what.push(format!(
                "{} ({})",
                plural(
                    rgd_names.len(),
                    "ResourceGraphDefinition",
                    "ResourceGraphDefinitions"
                ),
                some_of(&rgd_names)
            ));
        }
        if !found.with_instances.is_empty() {
            let kinds: Vec<String> = found
                .with_instances
                .iter()
                .map(|(kind, crd)| format!("{kind} ({crd})"))
                .collect();
            what.push(format!("instances of {}", some_of(&kinds)));
        }
        eprintln!(
            "error: refusing to uninstall: the cluster has {}; without the controller nothing would manage their resources",
            what.join(" and ")
        );
        let mut deletes = Vec::new();
        if !found.with_instances.is_empty() {
            let crds: Vec<&str> = found
                .with_instances
                .iter()
                .map(|(_, crd)| crd.as_str())
                .collect();
            deletes.push(format!("kubectl delete {} --all -A", crds.join(",")));
        }
        if !rgd_names.is_empty() {
            deletes.push("kubectl delete rgd --all".to_owned());
        }
        eprintln!(
            "  delete them first ({}), or pass --force to uninstall anyway:\n  \
             --force also deletes the ResourceGraphDefinition CRD and every RGD (--keep-crd keeps them);\n  \
             CRDs generated from RGDs and their instances are never deleted",
            deletes.join(", then ")
        );
        return Ok(Outcome::Invalid);
    }

    progress.line(&format!(
        "{} kro from namespace {} of {}{}",
        if args.dry_run {
            "Would uninstall"
        } else {
            "Uninstalling"
        },
        names.namespace,
        connection.url,
        connection
            .context
            .as_ref()
            .map(|c| format!(" (context {c})"))
            .unwrap_or_default()
    ));
    let verb = if args.dry_run {
        "would delete"
    } else {
        "deleted"
    };
    let ns = Some(names.namespace.as_str());
    let mut plan: Vec<(&str, Option<&str>, &str)> = vec![
        ("Deployment", ns, &names.controller),
        ("RoleBinding", ns, &names.leader_election),
        ("Role", ns, &names.leader_election),
        ("ClusterRoleBinding", None, &names.broad_role),
        ("ClusterRoleBinding", None, &names.resources_role),
        ("ClusterRoleBinding", None, &names.cluster_role),
        ("ClusterRole", None, &names.broad_role),
        ("ClusterRole", None, &names.resources_role),
        ("ClusterRole", None, &names.cluster_role),
        ("ServiceAccount", ns, &names.controller),
    ];
    let namespace = api_for(connection, "Namespace", None)
        .get_opt(&names.namespace)
        .await
        .map_err(|e| {
            refused(
                connection,
                e,
                &format!("reading Namespace {}", names.namespace),
            )
        })?;
    let namespace_ours = namespace.as_ref().is_some_and(|n| {
        n.labels()
            .get(MANAGED_BY.0)
            .is_some_and(|v| v == MANAGED_BY.1)
    });
    let terminating = namespace
        .as_ref()
        .is_some_and(|n| n.metadata.deletion_timestamp.is_some());
    if namespace_ours && !terminating {
        plan.push(("Namespace", None, &names.namespace));
    }
    let delete_crd = args.force && !args.keep_crd && found.rgd_crd;

    let mut deleted = 0;
    for (kind, namespace, name) in plan {
        let api = api_for(connection, kind, namespace);
        let what = match namespace {
            Some(ns) => format!("{kind} {ns}/{name}"),
            None => format!("{kind} {name}"),
        };
        let gone = if args.dry_run {
            api.get_opt(name).await.map(|o| o.is_some())
        } else {
            match api.delete(name, &DeleteParams::background()).await {
                Ok(_) => Ok(true),
                Err(kube::Error::Api(s)) if s.code == 404 => Ok(false),
                Err(e) => Err(e),
            }
        }
        .map_err(|e| refused(connection, e, &format!("deleting {what}")))?;
        if gone {
            report(&progress, args.dry_run, &format!("{verb} {what}"));
            deleted += 1;
        }
    }

    if delete_crd {
        if !args.dry_run {
            release_rgds(connection, &found.rgds, &progress).await?;
        }
        let what = format!("CustomResourceDefinition {RGD_CRD_NAME}");
        if !args.dry_run {
            match api_for(connection, "CustomResourceDefinition", None)
                .delete(RGD_CRD_NAME, &DeleteParams::background())
                .await
            {
                Ok(_) => {}
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(refused(connection, e, &format!("deleting {what}"))),
            }
        }
        let with = if rgd_names.is_empty() {
            String::new()
        } else {
            format!(
                " and with it {}",
                plural(
                    rgd_names.len(),
                    "ResourceGraphDefinition",
                    "ResourceGraphDefinitions"
                )
            )
        };
        report(&progress, args.dry_run, &format!("{verb} {what}{with}"));
        deleted += 1;
    }

    if terminating {
        progress.note(&format!("Namespace {} is being deleted", names.namespace));
    } else if deleted == 0 {
        progress.note(&format!(
            "nothing to uninstall: kro is not installed in namespace {}",
            names.namespace
        ));
    }
    if namespace.is_some() && !namespace_ours && !terminating {
        progress.note(&format!(
            "kept Namespace {} (it existed before kubectl kro install)",
            names.namespace
        ));
    }
    if found.rgd_crd && !delete_crd {
        let (and, them) = match rgd_names.len() {
            0 => (String::new(), "it"),
            n => (
                format!(
                    " and {}",
                    plural(n, "ResourceGraphDefinition", "ResourceGraphDefinitions")
                ),
                "them",
            ),
        };
        let hint = if args.force {
            String::new()
        } else {
            format!(" (--force deletes {them})")
        };
        progress.note(&format!(
            "kept CustomResourceDefinition {RGD_CRD_NAME}{and}{hint}"
        ));
    }
    if !found.generated.is_empty() {
        progress.note(&format!(
            "kept {} generated from RGDs ({}) and their instances",
            plural(
                found.generated.len(),
                "CustomResourceDefinition",
                "CustomResourceDefinitions"
            ),
            some_of(&found.generated)
        ));
        if !found.with_instances.is_empty() {
            progress.note(&format!(
                "an instance with the {FINALIZER} finalizer cannot be deleted until a kro controller runs again"
            ));
        }
    }
    Ok(Outcome::Ok)
}

/// Removes kro's finalizer from RGDs about to be deleted with their CRD: with the controller
/// gone, nothing else would, and the CRD would hang in deletion.
async fn release_rgds(
    connection: &Connection,
    rgds: &[DynamicObject],
    progress: &Progress,
) -> Result<()> {
    let api: Api<DynamicObject> = Api::all_with(connection.client.clone(), &rgd_resource());
    let mut released = 0;
    for rgd in rgds {
        let finalizers = rgd.finalizers();
        if !finalizers.iter().any(|f| f == FINALIZER) {
            continue;
        }
        let kept: Vec<&String> = finalizers.iter().filter(|f| *f != FINALIZER).collect();
        let patch = json!({
            "metadata": { "finalizers": kept, "resourceVersion": rgd.resource_version() }
        });
        match api
            .patch(
                &rgd.name_any(),
                &PatchParams::default(),
                &Patch::Merge(&patch),
            )
            .await
        {
            Ok(_) => released += 1,
            Err(kube::Error::Api(s)) if s.code == 404 => {}
            Err(e) => {
                return Err(refused(
                    connection,
                    e,
                    &format!(
                        "removing the finalizer of ResourceGraphDefinition {}",
                        rgd.name_any()
                    ),
                ));
            }
        }
    }
    if released > 0 {
        progress.done(&format!(
            "removed the {FINALIZER} finalizer from {}",
            plural(
                released,
                "ResourceGraphDefinition",
                "ResourceGraphDefinitions"
            )
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::install::manifests;
    use super::*;

    #[test]
    fn long_lists_are_shortened() {
        let names: Vec<String> = (1..=7).map(|i| format!("r{i}")).collect();
        assert_eq!(some_of(&names[..2]), "r1, r2");
        assert_eq!(some_of(&names), "r1, r2, r3, r4, r5 and 2 more");
        assert_eq!(plural(1, "RGD", "RGDs"), "1 RGD");
        assert_eq!(plural(2, "RGD", "RGDs"), "2 RGDs");
    }

    #[test]
    fn uninstall_names_match_install() {
        let objects = manifests::all(&manifests::Options {
            namespace: "team-a".into(),
            image: manifests::default_image(),
            broad_rbac: true,
            allow_crd_deletion: false,
        });
        let names = Names::new("team-a");
        let made: Vec<String> = objects.iter().map(manifests::describe).collect();
        for expected in [
            format!("Deployment team-a/{}", names.controller),
            format!("ServiceAccount team-a/{}", names.controller),
            format!("Role team-a/{}", names.leader_election),
            format!("ClusterRole {}", names.broad_role),
            format!("ClusterRoleBinding {}", names.resources_role),
        ] {
            assert!(made.contains(&expected), "{expected} in {made:?}");
        }
    }
}
