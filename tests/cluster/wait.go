package main

// The wait subcommand: block until the control plane answers /readyz, the simulated node is Ready
// and the default service account exists, printing progress on stderr.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

func waitMain(args []string) error {
	fs := flag.NewFlagSet("wait", flag.ContinueOnError)
	kubeconfig := fs.String("kubeconfig", "", "admin kubeconfig written by serve (required)")
	pid := fs.Int("pid", 0, "give up as soon as this process has exited")
	timeout := fs.Duration("timeout", 3*time.Minute, "how long to wait in total")
	quiet := fs.Bool("quiet", false, "print nothing; only the exit code tells")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *kubeconfig == "" {
		return fmt.Errorf("--kubeconfig is required")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	start := time.Now()
	say := func(format string, a ...any) {
		if !*quiet {
			fmt.Fprintf(os.Stderr, format, a...)
		}
	}

	steps := []struct {
		what  string
		check func(ctx context.Context, c kubernetes.Interface) (bool, string)
	}{
		{"kube-apiserver /readyz", readyz},
		{"node " + nodeName + " Ready", nodeReady},
		{"service account default/default", defaultServiceAccount},
	}
	var client kubernetes.Interface
	for _, step := range steps {
		lastReport := time.Now()
		say("waiting for %s ", step.what)
		for {
			if *pid != 0 && !processAlive(*pid) {
				say("\n")
				return fmt.Errorf("control plane process %d exited", *pid)
			}
			if client == nil {
				client = loadClient(*kubeconfig)
			}
			ok, detail := false, "no kubeconfig yet"
			if client != nil {
				attempt, cancelAttempt := context.WithTimeout(ctx, 5*time.Second)
				ok, detail = step.check(attempt, client)
				cancelAttempt()
			}
			if ok {
				say(" ok (%.1fs)\n", time.Since(start).Seconds())
				break
			}
			if ctx.Err() != nil {
				say("\n")
				return fmt.Errorf("timed out after %s waiting for %s: %s", *timeout, step.what, detail)
			}
			if time.Since(lastReport) >= 2*time.Second {
				say(".")
				lastReport = time.Now()
			}
			time.Sleep(200 * time.Millisecond)
		}
	}
	return nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func loadClient(kubeconfig string) kubernetes.Interface {
	if _, err := os.Stat(kubeconfig); err != nil {
		return nil
	}
	cfg, err := restConfigFromKubeconfig(kubeconfig)
	if err != nil {
		return nil
	}
	cfg.Timeout = 5 * time.Second
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil
	}
	return c
}

func readyz(ctx context.Context, c kubernetes.Interface) (bool, string) {
	body, err := c.CoreV1().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
	if err != nil {
		return false, strings.TrimSpace(string(body) + " " + err.Error())
	}
	return true, ""
}

func nodeReady(ctx context.Context, c kubernetes.Interface) (bool, string) {
	node, err := c.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	if err != nil {
		return false, err.Error()
	}
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute {
			return false, "node is tainted " + t.Key
		}
	}
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
			return true, ""
		}
	}
	return false, "node is not Ready"
}

func defaultServiceAccount(ctx context.Context, c kubernetes.Interface) (bool, string) {
	if _, err := c.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
		return false, err.Error()
	}
	return true, ""
}
