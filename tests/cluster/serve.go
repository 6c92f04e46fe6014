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
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM, syscall.SIGUSR1)

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

	api := &restartableAPIServer{
		addr:  listener.Addr().String(),
		flags: apiserverFlags(etcdURL, p, filepath.Join(*stateDir, "apiserver"), *verbosity),
	}
	if err := api.start(ctx, listener); err != nil {
		return err
	}
	klog.InfoS("kube-apiserver ready", "url", server, "elapsed", time.Since(start))
	restartsFile := filepath.Join(*outDir, "apiserver-restarts")
	if err := os.WriteFile(restartsFile, []byte("0\n"), 0o644); err != nil {
		return err
	}

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

	runErr := api.serveUntilStopped(ctx, signals, restartsFile, kcmErr, schedErr, nodeErr, etcd.Err())
	cancel()
	// Give the components a moment to stop; state is thrown away on stop anyway, so a second
	// signal or a slow shutdown ends the process at once.
	select {
	case <-api.errCh:
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

// restartableAPIServer is the kube-apiserver of the control plane, which SIGUSR1 restarts in
// place: the old server shuts down (closing every connection and watch), and a new one serves
// on the same address with the same flags, certificates and etcd, so clients reconnect to it.
type restartableAPIServer struct {
	addr  string
	flags []string
	// cancel stops the running server; errCh receives its result once it has stopped.
	cancel context.CancelFunc
	errCh  <-chan error
}

// start serves on listener (nil: listen on addr again) until parent is done or stop, and
// waits until the server is ready.
func (a *restartableAPIServer) start(parent context.Context, listener net.Listener) error {
	if listener == nil {
		// The old server's socket may take a moment to be released.
		var lastErr error
		err := wait.PollUntilContextTimeout(parent, 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
			l, err := net.Listen("tcp", a.addr)
			if err != nil {
				lastErr = err
				return false, nil
			}
			listener = l
			return true, nil
		})
		if err != nil {
			return fmt.Errorf("listening for kube-apiserver on %s again: %w (%v)", a.addr, err, lastErr)
		}
	}
	ctx, cancel := context.WithCancel(parent)
	errCh, loopback, err := startAPIServer(ctx, listener, a.flags)
	if err != nil {
		cancel()
		listener.Close()
		return err
	}
	a.cancel, a.errCh = cancel, errCh
	loopbackClient, err := kubernetes.NewForConfig(loopback)
	if err != nil {
		return err
	}
	return waitReady(ctx, loopbackClient, errCh)
}

// stop shuts the server down and waits until it has stopped serving.
func (a *restartableAPIServer) stop() {
	a.cancel()
	select {
	case <-a.errCh:
	case <-time.After(time.Minute):
		klog.InfoS("kube-apiserver did not stop within a minute; starting a new one anyway")
	}
}

// serveUntilStopped runs until SIGINT or SIGTERM (nil) or until a component stops (its error),
// restarting the API server on each SIGUSR1 and counting the restarts in restartsFile.
func (a *restartableAPIServer) serveUntilStopped(ctx context.Context, signals <-chan os.Signal, restartsFile string,
	kcmErr, schedErr, nodeErr <-chan error, etcdErr <-chan error) error {
	restarts := 0
	for {
		select {
		case sig := <-signals:
			if sig != syscall.SIGUSR1 {
				klog.InfoS("stopping", "signal", sig.String())
				return nil
			}
			klog.InfoS("restarting kube-apiserver", "signal", sig.String())
			started := time.Now()
			a.stop()
			if err := a.start(ctx, nil); err != nil {
				return fmt.Errorf("restarting kube-apiserver: %w", err)
			}
			restarts++
			if err := os.WriteFile(restartsFile, []byte(strconv.Itoa(restarts)+"\n"), 0o644); err != nil {
				return err
			}
			klog.InfoS("kube-apiserver restarted and ready", "restarts", restarts, "elapsed", time.Since(started))
		case err := <-a.errCh:
			return fmt.Errorf("kube-apiserver stopped: %v", err)
		case err := <-kcmErr:
			return fmt.Errorf("kube-controller-manager stopped: %v", err)
		case err := <-schedErr:
			return fmt.Errorf("kube-scheduler stopped: %v", err)
		case err := <-nodeErr:
			return fmt.Errorf("simulated node stopped: %v", err)
		case err := <-etcdErr:
			return fmt.Errorf("etcd stopped: %v", err)
		}
	}
}
