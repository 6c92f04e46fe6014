package main

// The serve subcommand: start every component in this process and run until a signal.

import (
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/klog/v2"
)

func serveMain(args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	stateDir := fs.String("state-dir", "", "directory for etcd data, certificates and tokens (required)")
	outDir := fs.String("out-dir", "", "directory to write kubeconfig and kubeconfig-unprivileged to (required)")
	port := fs.Int("port", 0, "kube-apiserver port on 127.0.0.1 (0: a free port)")
	verbosity := fs.Int("v", 0, "log verbosity of the Kubernetes components")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *stateDir == "" || *outDir == "" {
		return fmt.Errorf("--state-dir and --out-dir are required")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	signals := make(chan os.Signal, 2)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)

	start := time.Now()
	p, err := generatePKI(filepath.Join(*stateDir, "pki"))
	if err != nil {
		return fmt.Errorf("generating certificates: %w", err)
	}

	etcd, etcdURL, err := startEtcd(filepath.Join(*stateDir, "etcd"))
	if err != nil {
		return err
	}
	defer etcd.Close()
	klog.InfoS("etcd ready", "url", etcdURL, "elapsed", time.Since(start))

	listener, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(*port)))
	if err != nil {
		return fmt.Errorf("listening for kube-apiserver: %w", err)
	}
	server := "https://" + listener.Addr().String()

	componentsKubeconfig := filepath.Join(*stateDir, "components.kubeconfig")
	kubeconfigs := []struct {
		path, context, user, token string
	}{
		{componentsKubeconfig, "kro-test", adminUser, p.adminToken},
		{filepath.Join(*outDir, "kubeconfig"), "kro-test", adminUser, p.adminToken},
		{filepath.Join(*outDir, "kubeconfig-unprivileged"), "kro-test-unprivileged", unprivilegedUser, p.unprivilegedToken},
	}
	for _, k := range kubeconfigs {
		if err := writeKubeconfig(k.path, k.context, server, p.caPEM, k.user, k.token); err != nil {
			return fmt.Errorf("writing %s: %w", k.path, err)
		}
	}

	// Options first (see parseControllerManagerFlags), then start in dependency order.
	kcmOptions, err := parseControllerManagerFlags(controllerManagerFlags(componentsKubeconfig, p))
	if err != nil {
		return err
	}
	schedOptions, err := parseSchedulerFlags(schedulerFlags(componentsKubeconfig))
	if err != nil {
		return err
	}

	apiErr, loopback, err := startAPIServer(ctx, listener,
		apiserverFlags(etcdURL, p, filepath.Join(*stateDir, "apiserver"), *verbosity))
	if err != nil {
		return err
	}
	klog.InfoS("kube-apiserver serving", "url", server)

	loopbackClient, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return err
	}
	if err := waitReady(ctx, loopbackClient, apiErr); err != nil {
		return err
	}
	klog.InfoS("kube-apiserver ready", "elapsed", time.Since(start))

	kcmErr, err := startControllerManager(ctx, kcmOptions)
	if err != nil {
		return err
	}
	schedErr, err := startScheduler(ctx, schedOptions)
	if err != nil {
		return err
	}
	adminConfig, err := restConfigFromKubeconfig(componentsKubeconfig)
	if err != nil {
		return err
	}
	adminConfig.UserAgent = "kro-test-simulated-node"
	nodeClient, err := kubernetes.NewForConfig(adminConfig)
	if err != nil {
		return err
	}
	nodeErr := make(chan error, 1)
	go func() { nodeErr <- runSimulatedNode(ctx, nodeClient) }()

	fmt.Fprintf(os.Stderr, "control plane running: %s (pid %d)\n", server, os.Getpid())

	var runErr error
	select {
	case sig := <-signals:
		klog.InfoS("stopping", "signal", sig.String())
	case err := <-apiErr:
		runErr = fmt.Errorf("kube-apiserver stopped: %v", err)
	case err := <-kcmErr:
		runErr = fmt.Errorf("kube-controller-manager stopped: %v", err)
	case err := <-schedErr:
		runErr = fmt.Errorf("kube-scheduler stopped: %v", err)
	case err := <-nodeErr:
		runErr = fmt.Errorf("simulated node stopped: %v", err)
	case err := <-etcd.Err():
		runErr = fmt.Errorf("etcd stopped: %v", err)
	}
	cancel()
	// Give the components a moment to stop; state is thrown away on stop anyway, so a second
	// signal or a slow shutdown ends the process at once.
	select {
	case <-apiErr:
	case <-signals:
	case <-time.After(5 * time.Second):
	}
	return runErr
}

// waitReady polls the API server's /readyz until it answers ok.
func waitReady(ctx context.Context, client kubernetes.Interface, apiErr <-chan error) error {
	var lastBody string
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, 3*time.Minute, true, func(ctx context.Context) (bool, error) {
		select {
		case err := <-apiErr:
			return false, fmt.Errorf("kube-apiserver stopped: %v", err)
		default:
		}
		body, err := client.CoreV1().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		lastBody = string(body)
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("kube-apiserver not ready: %w\n%s", err, lastBody)
	}
	return nil
}
