package main

// A simulated node: a Ready Node object and a loop that plays the kubelet's part for the pods the
// scheduler binds to it. Nothing runs; pods only get the status a kubelet would report.
//
// Pod annotations let a test steer the simulation:
//
//	sim.kro.run/ready: "false"     the pod runs but its containers never become ready
//	sim.kro.run/exit-code: "N"     for pods with restartPolicy Never: the containers exit
//	                               with N (0 → Succeeded, otherwise Failed)
//
// Pods whose restartPolicy is Never or OnFailure run for about a second, then exit (code 0 unless
// annotated), so Jobs complete. Pods being deleted are removed at once, as a kubelet would after
// their containers stopped.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/klog/v2"
)

const (
	nodeName              = "kro-test-node"
	annotationReady       = "sim.kro.run/ready"
	annotationExitCode    = "sim.kro.run/exit-code"
	completionDelay       = time.Second
	kubeletVersionOfNodes = "v1.34.4"
)

// simulatedNode marks pods bound to nodeName as running, ready, and (for run-to-completion pods)
// finished.
type simulatedNode struct {
	client kubernetes.Interface
	lister corelisters.PodLister
	queue  workqueue.TypedRateLimitingInterface[string]

	mu     sync.Mutex
	nextIP int
	podIPs map[string]string
}

func nodeObject() *corev1.Node {
	resources := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse("16"),
		corev1.ResourceMemory:           resource.MustParse("64Gi"),
		corev1.ResourcePods:             resource.MustParse("500"),
		corev1.ResourceEphemeralStorage: resource.MustParse("200Gi"),
	}
	now := metav1.Now()
	condition := func(t corev1.NodeConditionType, s corev1.ConditionStatus, reason, msg string) corev1.NodeCondition {
		return corev1.NodeCondition{Type: t, Status: s, Reason: reason, Message: msg, LastHeartbeatTime: now, LastTransitionTime: now}
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: nodeName,
			Labels: map[string]string{
				"kubernetes.io/hostname":           nodeName,
				"kubernetes.io/os":                 "linux",
				"kubernetes.io/arch":               "amd64",
				"node.kubernetes.io/instance-type": "simulated",
			},
		},
		Spec: corev1.NodeSpec{PodCIDR: "10.244.0.0/16", PodCIDRs: []string{"10.244.0.0/16"}},
		Status: corev1.NodeStatus{
			Capacity:    resources,
			Allocatable: resources,
			Phase:       corev1.NodeRunning,
			Conditions: []corev1.NodeCondition{
				condition(corev1.NodeMemoryPressure, corev1.ConditionFalse, "KubeletHasSufficientMemory", "simulated node has sufficient memory"),
				condition(corev1.NodeDiskPressure, corev1.ConditionFalse, "KubeletHasNoDiskPressure", "simulated node has no disk pressure"),
				condition(corev1.NodePIDPressure, corev1.ConditionFalse, "KubeletHasSufficientPID", "simulated node has sufficient PID available"),
				condition(corev1.NodeReady, corev1.ConditionTrue, "KubeletReady", "simulated node is ready"),
			},
			Addresses: []corev1.NodeAddress{
				{Type: corev1.NodeInternalIP, Address: "127.0.0.1"},
				{Type: corev1.NodeHostName, Address: nodeName},
			},
			NodeInfo: corev1.NodeSystemInfo{
				MachineID:               "kro-test",
				SystemUUID:              "kro-test",
				BootID:                  "kro-test",
				KernelVersion:           "simulated",
				OSImage:                 "simulated",
				ContainerRuntimeVersion: "simulated://1.0",
				KubeletVersion:          kubeletVersionOfNodes,
				KubeProxyVersion:        kubeletVersionOfNodes,
				OperatingSystem:         "linux",
				Architecture:            "amd64",
			},
		},
	}
}

// registerNode creates the Node (or refreshes it) and sets its status to Ready.
func registerNode(ctx context.Context, client kubernetes.Interface) error {
	want := nodeObject()
	node, err := client.CoreV1().Nodes().Create(ctx, want, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		node, err = client.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
	}
	if err != nil {
		return err
	}
	node.Status = want.Status
	node, err = client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{})
	if err != nil {
		return err
	}
	// The TaintNodesByCondition admission plugin taints new nodes not-ready; the node lifecycle
	// controller, which is not running, would lift the taint once the node reports Ready.
	var taints []corev1.Taint
	for _, t := range node.Spec.Taints {
		if t.Key != corev1.TaintNodeNotReady && t.Key != corev1.TaintNodeUnreachable {
			taints = append(taints, t)
		}
	}
	if len(taints) != len(node.Spec.Taints) {
		node.Spec.Taints = taints
		_, err = client.CoreV1().Nodes().Update(ctx, node, metav1.UpdateOptions{})
	}
	return err
}

// runSimulatedNode registers the node and runs the pod loop until ctx is done.
func runSimulatedNode(ctx context.Context, client kubernetes.Interface) error {
	if err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		if err := registerNode(ctx, client); err != nil {
			klog.InfoS("simulated node: registering", "err", err)
			return false, nil
		}
		return true, nil
	}); err != nil {
		return fmt.Errorf("registering node %s: %w", nodeName, err)
	}
	klog.InfoS("simulated node registered and Ready", "node", nodeName)

	factory := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithTweakListOptions(func(o *metav1.ListOptions) {
			o.FieldSelector = fields.OneTermEqualSelector("spec.nodeName", nodeName).String()
		}))
	podInformer := factory.Core().V1().Pods()
	n := &simulatedNode{
		client: client,
		lister: podInformer.Lister(),
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "simulated-node"}),
		nextIP: 0,
		podIPs: map[string]string{},
	}
	enqueue := func(obj any) {
		if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
			n.queue.Add(key)
		}
	}
	if _, err := podInformer.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    enqueue,
		UpdateFunc: func(_, obj any) { enqueue(obj) },
		DeleteFunc: enqueue,
	}); err != nil {
		return err
	}
	factory.Start(ctx.Done())
	factory.WaitForCacheSync(ctx.Done())
	go func() {
		<-ctx.Done()
		n.queue.ShutDown()
	}()
	for range 2 {
		go func() {
			for n.processNext(ctx) {
			}
		}()
	}
	<-ctx.Done()
	return nil
}

func (n *simulatedNode) processNext(ctx context.Context) bool {
	key, quit := n.queue.Get()
	if quit {
		return false
	}
	defer n.queue.Done(key)
	requeueAfter, err := n.sync(ctx, key)
	switch {
	case err != nil:
		klog.V(2).InfoS("simulated node: retrying pod", "pod", key, "err", err)
		n.queue.AddRateLimited(key)
	case requeueAfter > 0:
		n.queue.Forget(key)
		n.queue.AddAfter(key, requeueAfter)
	default:
		n.queue.Forget(key)
	}
	return true
}

func (n *simulatedNode) podIP(key string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if ip, ok := n.podIPs[key]; ok {
		return ip
	}
	i := n.nextIP
	n.nextIP++
	ip := fmt.Sprintf("10.244.%d.%d", (i/250)%250, i%250+2)
	n.podIPs[key] = ip
	return ip
}

func (n *simulatedNode) forget(key string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	delete(n.podIPs, key)
}

func fakeID(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// sync moves one pod along Pending → Running (→ Succeeded/Failed) or removes it when deleted.
func (n *simulatedNode) sync(ctx context.Context, key string) (time.Duration, error) {
	namespace, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	pod, err := n.lister.Pods(namespace).Get(name)
	if apierrors.IsNotFound(err) {
		n.forget(key)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}

	// A kubelet stops the containers and then deletes the pod for good.
	if pod.DeletionTimestamp != nil {
		zero := int64(0)
		uid := pod.UID
		err := n.client.CoreV1().Pods(namespace).Delete(ctx, name, metav1.DeleteOptions{
			GracePeriodSeconds: &zero,
			Preconditions:      &metav1.Preconditions{UID: &uid},
		})
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return 0, nil
		}
		return 0, err
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return 0, nil
	}

	runsToCompletion := pod.Spec.RestartPolicy == corev1.RestartPolicyNever || pod.Spec.RestartPolicy == corev1.RestartPolicyOnFailure
	if pod.Status.Phase == corev1.PodRunning {
		if !runsToCompletion {
			return 0, nil
		}
		started := pod.Status.StartTime
		if started != nil && time.Since(started.Time) < completionDelay {
			return completionDelay - time.Since(started.Time) + 50*time.Millisecond, nil
		}
		return 0, n.updateStatus(ctx, pod, n.completedStatus(pod))
	}

	if err := n.updateStatus(ctx, pod, n.runningStatus(key, pod)); err != nil {
		return 0, err
	}
	if runsToCompletion {
		return completionDelay + 50*time.Millisecond, nil
	}
	return 0, nil
}

func (n *simulatedNode) updateStatus(ctx context.Context, pod *corev1.Pod, status corev1.PodStatus) error {
	updated := pod.DeepCopy()
	updated.Status = status
	_, err := n.client.CoreV1().Pods(pod.Namespace).UpdateStatus(ctx, updated, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func setCondition(conditions []corev1.PodCondition, t corev1.PodConditionType, s corev1.ConditionStatus, reason string, now metav1.Time) []corev1.PodCondition {
	for i := range conditions {
		if conditions[i].Type == t {
			if conditions[i].Status != s {
				conditions[i].LastTransitionTime = now
			}
			conditions[i].Status = s
			conditions[i].Reason = reason
			return conditions
		}
	}
	return append(conditions, corev1.PodCondition{Type: t, Status: s, Reason: reason, LastTransitionTime: now})
}

func (n *simulatedNode) runningStatus(key string, pod *corev1.Pod) corev1.PodStatus {
	now := metav1.Now()
	status := *pod.Status.DeepCopy()
	ready := pod.Annotations[annotationReady] != "false"
	ip := n.podIP(key)

	status.Phase = corev1.PodRunning
	status.HostIP = "127.0.0.1"
	status.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
	if pod.Spec.HostNetwork {
		ip = "127.0.0.1"
	}
	status.PodIP = ip
	status.PodIPs = []corev1.PodIP{{IP: ip}}
	if status.StartTime == nil {
		status.StartTime = &now
	}

	readyStatus, readyReason := corev1.ConditionTrue, ""
	if !ready {
		readyStatus, readyReason = corev1.ConditionFalse, "ContainersNotReady"
	}
	status.Conditions = setCondition(status.Conditions, corev1.PodReadyToStartContainers, corev1.ConditionTrue, "", now)
	status.Conditions = setCondition(status.Conditions, corev1.PodInitialized, corev1.ConditionTrue, "", now)
	status.Conditions = setCondition(status.Conditions, corev1.ContainersReady, readyStatus, readyReason, now)
	status.Conditions = setCondition(status.Conditions, corev1.PodReady, readyStatus, readyReason, now)
	status.Conditions = setCondition(status.Conditions, corev1.PodScheduled, corev1.ConditionTrue, "", now)

	status.InitContainerStatuses = nil
	for _, c := range pod.Spec.InitContainers {
		status.InitContainerStatuses = append(status.InitContainerStatuses, corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     "sha256:" + fakeID(c.Image),
			ContainerID: "simulated://" + fakeID(string(pod.UID), c.Name),
			Ready:       true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
				ExitCode: 0, Reason: "Completed", StartedAt: now, FinishedAt: now,
			}},
		})
	}
	status.ContainerStatuses = nil
	started := true
	for _, c := range pod.Spec.Containers {
		status.ContainerStatuses = append(status.ContainerStatuses, corev1.ContainerStatus{
			Name:        c.Name,
			Image:       c.Image,
			ImageID:     "sha256:" + fakeID(c.Image),
			ContainerID: "simulated://" + fakeID(string(pod.UID), c.Name),
			Ready:       ready,
			Started:     &started,
			State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	return status
}

func (n *simulatedNode) completedStatus(pod *corev1.Pod) corev1.PodStatus {
	now := metav1.Now()
	status := *pod.Status.DeepCopy()
	exitCode := int32(0)
	if v, ok := pod.Annotations[annotationExitCode]; ok && pod.Spec.RestartPolicy == corev1.RestartPolicyNever {
		if code, err := strconv.ParseInt(v, 10, 32); err == nil {
			exitCode = int32(code)
		}
	}
	reason := "Completed"
	status.Phase = corev1.PodSucceeded
	if exitCode != 0 {
		reason = "Error"
		status.Phase = corev1.PodFailed
	}
	status.Conditions = setCondition(status.Conditions, corev1.PodReadyToStartContainers, corev1.ConditionFalse, "", now)
	status.Conditions = setCondition(status.Conditions, corev1.ContainersReady, corev1.ConditionFalse, "PodCompleted", now)
	status.Conditions = setCondition(status.Conditions, corev1.PodReady, corev1.ConditionFalse, "PodCompleted", now)
	notStarted := false
	for i := range status.ContainerStatuses {
		cs := &status.ContainerStatuses[i]
		startedAt := now
		if cs.State.Running != nil {
			startedAt = cs.State.Running.StartedAt
		}
		cs.Ready = false
		cs.Started = &notStarted
		cs.State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
			ExitCode: exitCode, Reason: reason, StartedAt: startedAt, FinishedAt: now,
			ContainerID: cs.ContainerID,
		}}
	}
	return status
}
