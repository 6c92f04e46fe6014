package main

// The dump-openapi subcommand: fetch the OpenAPI v3 documents of every built-in group-version
// from the running control plane and write them as one deduplicated data file (format described
// in core/data/README.md).

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// gvPath matches the OpenAPI v3 paths of group-versions: "api/v1" and "apis/<group>/<version>".
var gvPath = regexp.MustCompile(`^(api/v1|apis/[^/]+/[^/]+)$`)

type kindEntry struct {
	Schema     string   `json:"schema"`
	Resource   string   `json:"resource"`
	Namespaced bool     `json:"namespaced"`
	ShortNames []string `json:"shortNames,omitempty"`
}

type groupVersionEntry struct {
	Kinds map[string]kindEntry `json:"kinds"`
}

type bundle struct {
	KubernetesVersion string                       `json:"kubernetesVersion"`
	Source            string                       `json:"source"`
	GroupVersions     map[string]groupVersionEntry `json:"groupVersions"`
	Schemas           map[string]any               `json:"schemas"`
}

func getJSON(ctx context.Context, rc rest.Interface, path string, out any) error {
	body, err := rc.Get().AbsPath(path).DoRaw(ctx)
	if err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("GET %s: %w", path, err)
	}
	return nil
}

// excludedGroupVersions lists group-versions that are not built in: those of CRDs and those
// served by aggregated API servers.
func excludedGroupVersions(ctx context.Context, rc rest.Interface) (map[string]bool, error) {
	excluded := map[string]bool{}
	var crds struct {
		Items []struct {
			Spec struct {
				Group    string `json:"group"`
				Versions []struct {
					Name string `json:"name"`
				} `json:"versions"`
			} `json:"spec"`
		} `json:"items"`
	}
	if err := getJSON(ctx, rc, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", &crds); err != nil {
		return nil, err
	}
	for _, crd := range crds.Items {
		for _, v := range crd.Spec.Versions {
			excluded["apis/"+crd.Spec.Group+"/"+v.Name] = true
		}
	}
	var apiServices struct {
		Items []struct {
			Spec struct {
				Group   string          `json:"group"`
				Version string          `json:"version"`
				Service json.RawMessage `json:"service"`
			} `json:"spec"`
		} `json:"items"`
	}
	if err := getJSON(ctx, rc, "/apis/apiregistration.k8s.io/v1/apiservices", &apiServices); err != nil {
		return nil, err
	}
	for _, s := range apiServices.Items {
		if len(s.Spec.Service) > 0 && string(s.Spec.Service) != "null" {
			excluded["apis/"+s.Spec.Group+"/"+s.Spec.Version] = true
		}
	}
	return excluded, nil
}

func groupVersionKinds(schema map[string]any) []map[string]any {
	raw, _ := schema["x-kubernetes-group-version-kind"].([]any)
	var out []map[string]any
	for _, r := range raw {
		if m, ok := r.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func dumpOpenAPIMain(args []string) error {
	fs := flag.NewFlagSet("dump-openapi", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "admin kubeconfig of the running control plane (required)")
	out := fs.String("out", "", "file to write (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *kubeconfig == "" || *out == "" {
		return fmt.Errorf("--kubeconfig and --out are required")
	}
	cfg, err := restConfigFromKubeconfig(*kubeconfig)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	rc := client.CoreV1().RESTClient()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	var version struct {
		GitVersion string `json:"gitVersion"`
	}
	if err := getJSON(ctx, rc, "/version", &version); err != nil {
		return err
	}
	excluded, err := excludedGroupVersions(ctx, rc)
	if err != nil {
		return err
	}
	var root struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	if err := getJSON(ctx, rc, "/openapi/v3", &root); err != nil {
		return err
	}
	var paths []string
	for p := range root.Paths {
		if gvPath.MatchString(p) && !excluded[p] {
			paths = append(paths, p)
		}
	}
	sort.Strings(paths)

	result := bundle{
		KubernetesVersion: version.GitVersion,
		Source:            "/openapi/v3 of kube-apiserver " + version.GitVersion + " (tests/cluster/dump-openapi)",
		GroupVersions:     map[string]groupVersionEntry{},
		Schemas:           map[string]any{},
	}
	conflicts := 0
	for _, p := range paths {
		var doc struct {
			Components struct {
				Schemas map[string]map[string]any `json:"schemas"`
			} `json:"components"`
		}
		u := root.Paths[p].ServerRelativeURL
		if err := getJSON(ctx, rc, strings.SplitN(u, "?", 2)[0], &doc); err != nil {
			return err
		}
		for name, schema := range doc.Components.Schemas {
			if prev, ok := result.Schemas[name]; ok {
				if !reflect.DeepEqual(prev, any(schema)) {
					conflicts++
					fmt.Fprintf(os.Stderr, "warning: schema %s differs between group-versions; keeping the first\n", name)
				}
				continue
			}
			result.Schemas[name] = schema
		}

		var discovery struct {
			GroupVersion string `json:"groupVersion"`
			Resources    []struct {
				Name       string   `json:"name"`
				Namespaced bool     `json:"namespaced"`
				Kind       string   `json:"kind"`
				ShortNames []string `json:"shortNames"`
			} `json:"resources"`
		}
		if err := getJSON(ctx, rc, "/"+p, &discovery); err != nil {
			return err
		}
		group, version := "", discovery.GroupVersion
		if i := strings.Index(discovery.GroupVersion, "/"); i >= 0 {
			group, version = discovery.GroupVersion[:i], discovery.GroupVersion[i+1:]
		}
		kinds := map[string]kindEntry{}
		for _, r := range discovery.Resources {
			if strings.Contains(r.Name, "/") {
				continue // subresources
			}
			schemaName := ""
			for name, schema := range doc.Components.Schemas {
				for _, gvk := range groupVersionKinds(schema) {
					if gvk["group"] == group && gvk["version"] == version && gvk["kind"] == r.Kind {
						if schemaName == "" || name < schemaName {
							schemaName = name
						}
					}
				}
			}
			if schemaName == "" {
				return fmt.Errorf("%s: no schema for kind %s", discovery.GroupVersion, r.Kind)
			}
			kinds[r.Kind] = kindEntry{Schema: schemaName, Resource: r.Name, Namespaced: r.Namespaced, ShortNames: r.ShortNames}
		}
		result.GroupVersions[discovery.GroupVersion] = groupVersionEntry{Kinds: kinds}
		fmt.Fprintf(os.Stderr, "%-40s %3d kinds %4d schemas\n", discovery.GroupVersion, len(kinds), len(doc.Components.Schemas))
	}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(result); err != nil {
		return err
	}
	tmp := *out + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp, *out); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "wrote %s: %d group-versions, %d schemas, %d bytes (%d conflicting duplicates)\n",
		*out, len(result.GroupVersions), len(result.Schemas), buf.Len(), conflicts)
	return nil
}
