package main

// kube-apiserver, started from its Options struct with command-line flags, the way
// k8s.io/kubernetes/cmd/kube-apiserver/app/testing starts it.

import (
	"context"
	"fmt"
	"net"

	"github.com/spf13/pflag"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
	"k8s.io/client-go/rest"
	basecompatibility "k8s.io/component-base/compatibility"
	"k8s.io/component-base/featuregate"
	logsapi "k8s.io/component-base/logs/api/v1"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
	"k8s.io/kubernetes/cmd/kube-apiserver/app/options"
)

const (
	serviceCIDR = "10.96.0.0/16"
	serviceIP   = "10.96.0.1"
)

// apiserverFlags are the kube-apiserver flags of the test control plane.
func apiserverFlags(etcdURL string, p *pki, certDir string, verbosity int) []string {
	return []string{
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--cert-dir=" + certDir,
		"--tls-cert-file=" + p.servingCertFile,
		"--tls-private-key-file=" + p.servingKeyFile,
		"--token-auth-file=" + p.tokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + p.saPubFile,
		"--service-account-signing-key-file=" + p.saKeyFile,
		"--service-cluster-ip-range=" + serviceCIDR,
		"--allow-privileged=true",
		// Endpoints of the "kubernetes" Service would point at 127.0.0.1, which endpoint
		// validation rejects; nothing in the tests dials the Service from a pod.
		"--endpoint-reconciler-type=none",
		"--profiling=false",
		"--shutdown-delay-duration=0s",
		// On shutdown (a restart, see restartableAPIServer), drain the requests in flight and then
		// close the connections of watches and other long-running requests within 2s, instead of
		// waiting up to a minute for them.
		"--shutdown-send-retry-after=true",
		fmt.Sprintf("--v=%d", verbosity),
	}
}

// loggingApplied is set once the first kube-apiserver of this process has configured logging.
var loggingApplied bool

// startAPIServer validates the options, builds the server chain (aggregator → kube-apiserver →
// apiextensions) and serves it on listener until ctx is done. Errors after start are sent on
// the returned channel.
func startAPIServer(ctx context.Context, listener net.Listener, flags []string) (<-chan error, *rest.Config, error) {
	s := options.NewServerRunOptions()
	fs := pflag.NewFlagSet("kube-apiserver", pflag.ContinueOnError)
	for _, f := range s.Flags().FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(flags); err != nil {
		return nil, nil, err
	}
	registry := s.GenericServerRunOptions.ComponentGlobalsRegistry
	if err := registry.Set(); err != nil {
		return nil, nil, err
	}
	featureGate := registry.FeatureGateFor(basecompatibility.DefaultKubeComponent)
	// Logging is global and may be configured once per process; a restarted server keeps it.
	if !loggingApplied {
		if err := logsapi.ValidateAndApply(s.Logs, featureGate); err != nil {
			return nil, nil, err
		}
		loggingApplied = true
	}
	// kube-apiserver's own loopback clients should not log warnings they caused themselves.
	rest.SetDefaultWarningHandler(rest.NoWarnings{})

	s.SecureServing.Listener = listener
	s.SecureServing.BindPort = listener.Addr().(*net.TCPAddr).Port

	completed, err := s.Complete(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("completing kube-apiserver options: %w", err)
	}
	if errs := completed.Validate(); len(errs) != 0 {
		return nil, nil, fmt.Errorf("invalid kube-apiserver options: %w", utilerrors.NewAggregate(errs))
	}
	featureGate.(featuregate.MutableFeatureGate).AddMetrics()
	registry.AddMetrics()

	config, err := app.NewConfig(completed)
	if err != nil {
		return nil, nil, err
	}
	completedConfig, err := config.Complete()
	if err != nil {
		return nil, nil, err
	}
	server, err := app.CreateServerChain(completedConfig)
	if err != nil {
		return nil, nil, fmt.Errorf("creating kube-apiserver: %w", err)
	}
	prepared, err := server.PrepareRun()
	if err != nil {
		return nil, nil, fmt.Errorf("preparing kube-apiserver: %w", err)
	}
	errCh := make(chan error, 1)
	go func() {
		errCh <- prepared.Run(ctx)
	}()
	return errCh, rest.CopyConfig(server.GenericAPIServer.LoopbackClientConfig), nil
}
