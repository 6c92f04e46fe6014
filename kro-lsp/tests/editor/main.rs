//! The language server as an editor sees it: the real `kro-lsp` binary driven over stdio.

#[allow(dead_code)] // shared with the latency benchmark, which uses more of it
mod client;
mod cluster;
mod diagnostics;
mod features;

/// An RGD every test starts from (valid as written).
pub const WEBAPP: &str = r#"apiVersion: kro.run/v1alpha1
kind: ResourceGraphDefinition
metadata:
  name: webapp
spec:
  schema:
    apiVersion: v1alpha1
    kind: WebApp
    spec:
      name: string | required=true description="Name of the application"
      image: string | default="nginx:1.27"
      replicas: integer | default=2
      ingress:
        enabled: boolean | default=false
        host: string | default="example.local"
    status:
      availableReplicas: ${deployment.status.availableReplicas}
  resources:
    - id: config
      template:
        apiVersion: v1
        kind: ConfigMap
        metadata:
          name: ${schema.spec.name}-config
        data:
          APP_NAME: "😀 ${schema.spec.name}"
    - id: deployment
      readyWhen:
        - ${deployment.status.availableReplicas == deployment.spec.replicas}
      template:
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: ${schema.spec.name}
        spec:
          replicas: ${schema.spec.replicas}
          template:
            spec:
              containers:
                - name: app
                  image: ${schema.spec.image}
                  envFrom:
                    - configMapRef:
                        name: ${config.metadata.name}
    - id: service
      template:
        apiVersion: v1
        kind: Service
        metadata:
          name: ${schema.spec.name}
        spec:
          selector: ${deployment.spec.selector.matchLabels}
    - id: ingress
      includeWhen:
        - ${schema.spec.ingress.enabled}
      template:
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata:
          name: ${schema.spec.name}
        spec:
          rules:
            - host: ${schema.spec.ingress.host}
              http:
                paths:
                  - backend:
                      service:
                        name: ${service.metadata.name}
"#;

pub const URI: &str = "file:///work/webapp.yaml";
