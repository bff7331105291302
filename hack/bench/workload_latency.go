package main

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/fluxcd/pkg/apis/meta"
	corev1 "k8s.io/api/core/v1"
	apimeta "k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
	sourcev1 "github.com/eddy-gitops/eddy/api/source/v1"
)

// Trigger modes of workload 5.
const (
	triggerAnnotation = "annotation"
	triggerWebhook    = "github webhook"
	// triggerAfterIdle is the webhook trigger of a commit that comes after the controllers sat
	// idle long enough to release memory (pkg/manager): the heap they gave back and the code
	// pages of their executable must come back before the commit is applied.
	triggerAfterIdle = "github webhook, after an idle release"
)

// workloadLatency runs workload 5: for each commit, push, trigger, and time until the ConfigMap
// in the cluster holds the new value. idleCommits more commits each wait for the controllers'
// idle memory release first. It returns the latencies per trigger mode, split into stages.
func (b *bench) workloadLatency(ctx context.Context, commits, idleCommits int) (map[string][]commitStages, error) {
	r, err := b.newRepo("latency")
	if err != nil {
		return nil, err
	}
	files := func(v string) map[string]string {
		return map[string]string{"app/configmaps.yaml": configMaps("latency", 0, 1, v),
			"app/kustomization.yaml": kustomizationFile("configmaps.yaml")}
	}
	rev, err := r.commit(files("v0"), "v0")
	if err != nil {
		return nil, err
	}
	ns, err := b.namespace(ctx, "w5")
	if err != nil {
		return nil, err
	}
	defer b.dropNamespace(ctx, ns)
	gr, err := b.gitRepository(ctx, ns, "latency", r, rev)
	if err != nil {
		return nil, err
	}
	k := kustomization(ns, "latency", "latency", "./app", false)
	if err := b.c.Create(ctx, k); err != nil {
		return nil, err
	}
	if err := b.waitKustomization(ctx, k, rev, 3*time.Minute); err != nil {
		return nil, err
	}
	hook, token, err := b.receiver(ctx, ns, gr)
	if err != nil {
		return nil, err
	}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	sightings := b.watchSources(watchCtx, ns)
	var head string // revision of the last commit, sent in the webhook body
	webhook := func(ctx context.Context) error { return postGitHubPush(ctx, hook, token, head) }
	triggers := map[string]func(ctx context.Context) error{
		triggerAnnotation: func(ctx context.Context) error { _, err := b.requestReconcile(ctx, gr); return err },
		triggerWebhook:    webhook,
		triggerAfterIdle:  webhook,
	}
	out := map[string][]commitStages{}
	n := 0
	for _, mode := range []string{triggerAnnotation, triggerWebhook, triggerAfterIdle} {
		count := commits
		if mode == triggerAfterIdle {
			count = idleCommits
		}
		for range count {
			if mode == triggerAfterIdle {
				b.waitIdleRelease(ctx, 70*time.Second)
			}
			n++
			version := fmt.Sprintf("v%d", n)
			if head, err = r.commit(files(version), version); err != nil {
				return out, err
			}
			start := time.Now()
			if err := triggers[mode](ctx); err != nil {
				return out, fmt.Errorf("%s trigger: %w", mode, err)
			}
			cm := &corev1.ConfigMap{}
			err := poll(ctx, 5*time.Millisecond, 2*time.Minute, func(ctx context.Context) (bool, error) {
				if err := b.c.Get(ctx, client.ObjectKey{Namespace: ns, Name: "latency-00000"}, cm); err != nil {
					return false, err
				}
				return cm.Data["version"] == version, nil
			})
			if err != nil {
				return out, fmt.Errorf("%s: commit %s not applied: %w", mode, version, err)
			}
			total := time.Since(start)
			stages := sightings.stagesOf(start, total, head)
			if stages.gitFloor, err = gitFloor(ctx, r.url); err != nil {
				return out, fmt.Errorf("git floor: %w", err)
			}
			out[mode] = append(out[mode], stages)
		}
	}
	return out, nil
}

// idleReleasers are the controllers that reconcile a webhook-triggered commit. Their executable
// pages are released after each burst of reconciles; notification-controller answers the webhook
// with a request, not a reconcile, and released its pages after start-up.
var idleReleasers = []string{"source-controller", "kustomize-controller"}

// waitIdleRelease waits until each controller of idleReleasers has released the resident pages of
// its executable (its RssFile falls below 60% of what it was when the wait began), or until
// timeout: with --idle-release-executable=false there is nothing to see, and by then (two
// 30 s ticks of --idle-memory-release) the heap has been released anyway.
func (b *bench) waitIdleRelease(ctx context.Context, timeout time.Duration) {
	start := b.procs()
	err := poll(ctx, 500*time.Millisecond, timeout, func(context.Context) (bool, error) {
		now := b.procs()
		for _, name := range idleReleasers {
			if now[name].File >= 0.6*start[name].File {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		b.logf("workload 5: no release of the executables seen within %s; going on", timeout)
	}
}

// receiver creates a github Receiver for the GitRepository and returns its webhook URL and token.
func (b *bench) receiver(ctx context.Context, ns string, gr *sourcev1.GitRepository) (string, string, error) {
	token := "bench-webhook-token"
	secret := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "webhook-token"},
		StringData: map[string]string{"token": token}}
	if err := b.c.Create(ctx, secret); err != nil {
		return "", "", err
	}
	rcv := &notifv1.Receiver{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "github"},
		Spec: notifv1.ReceiverSpec{
			Type:      notifv1.GitHubReceiver,
			Events:    []string{"push"},
			Resources: []notifv1.ReceiverResource{{CrossNamespaceObjectReference: notifv1.CrossNamespaceObjectReference{Kind: sourcev1.GitRepositoryKind, Name: gr.Name}}},
			SecretRef: &meta.LocalObjectReference{Name: secret.Name},
		},
	}
	if err := b.c.Create(ctx, rcv); err != nil {
		return "", "", err
	}
	err := poll(ctx, 50*time.Millisecond, 2*time.Minute, func(ctx context.Context) (bool, error) {
		if err := b.c.Get(ctx, client.ObjectKeyFromObject(rcv), rcv); err != nil {
			return false, err
		}
		return apimeta.IsStatusConditionTrue(rcv.Status.Conditions, "Ready") && rcv.Status.WebhookPath != "", nil
	})
	if err != nil {
		return "", "", fmt.Errorf("Receiver not ready: %w (%s)", err, readyMessage(rcv.Status.Conditions))
	}
	return "http://" + b.env.ReceiverAddr + rcv.Status.WebhookPath, token, nil
}

// postGitHubPush sends a push delivery signed as GitHub does (X-Hub-Signature-256). The body
// names the new commit, as GitHub's does, which also makes every delivery distinct: the receiver
// rejects a signed request it has already seen as a replay.
func postGitHubPush(ctx context.Context, url, token, revision string) error {
	_, sha, _ := strings.Cut(revision, ":")
	body := []byte(fmt.Sprintf(`{"ref":"refs/heads/main","after":%q,"repository":{"full_name":"bench/latency"}}`, sha))
	mac := hmac.New(sha256.New, []byte(token))
	mac.Write(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", "push")
	req.Header.Set("X-GitHub-Delivery", fmt.Sprintf("bench-%d", time.Now().UnixNano()))
	req.Header.Set("X-Hub-Signature-256", "sha256="+hex.EncodeToString(mac.Sum(nil)))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return fmt.Errorf("receiver answered %s: %s", resp.Status, msg)
	}
	return nil
}

func latencyTable(commits int, res map[string][]commitStages) table {
	t := table{title: "Workload 5: commit-to-applied latency (trigger → object changed)",
		header: []string{"trigger", "commits", "p50", "p95", "min–max", "target", "verdict"}}
	for _, mode := range []string{triggerAnnotation, triggerWebhook, triggerAfterIdle} {
		if len(res[mode]) == 0 {
			continue
		}
		s := durations(totals(res[mode]))
		t.add(mode, count(float64(len(s))), seconds(s.median()), seconds(s.quantile(0.95)),
			seconds(s.min())+"–"+seconds(s.max()), "p50 < 100 ms, p95 < 200 ms",
			verdict(s.median(), func(float64) bool { return s.median() < 0.1 && s.quantile(0.95) < 0.2 }))
	}
	t.notes = []string{
		"each commit is pushed first; the clock starts just before the trigger: a merge patch of reconcile.fluxcd.io/requestedAt on the GitRepository, or a signed GitHub push delivery (HMAC-SHA256) POSTed to notification-controller's Receiver",
		"the clock stops when the harness (polling every 5 ms) sees the new value in the ConfigMap",
		"after an idle release: before each of these commits the harness waits until source- and kustomize-controller have released memory after their last reconcile (--idle-memory-release, --idle-release-executable: their resident executable pages drop), as after a quiet spell in a cluster",
	}
	return t
}

// stagesTable splits workload 5's latencies at what the harness saw on a watch of the
// GitRepository: the reconcile request stored on it, then its artifact at the new commit.
func stagesTable(res map[string][]commitStages) table {
	t := table{title: "Workload 5: where a commit's latency goes (median of each stage)",
		header: []string{"trigger", "trigger → request on the GitRepository seen", "→ artifact at the commit seen (source-controller)",
			"of which the Git floor", "→ ConfigMap changed (kustomize-controller)", "total", "commits split"}}
	for _, mode := range []string{triggerAnnotation, triggerWebhook, triggerAfterIdle} {
		var req, src, floor, kus, all sample
		for _, c := range res[mode] {
			if c.requested <= 0 || c.artifact <= c.requested || c.total <= c.artifact {
				continue // a stage the watch saw late or not at all: the split would be wrong
			}
			req = append(req, c.requested.Seconds())
			src = append(src, (c.artifact - c.requested).Seconds())
			floor = append(floor, c.gitFloor.Seconds())
			kus = append(kus, (c.total - c.artifact).Seconds())
			all = append(all, c.total.Seconds())
		}
		if len(all) == 0 {
			continue
		}
		t.add(mode, seconds(req.median()), seconds(src.median()), seconds(floor.median()), seconds(kus.median()),
			seconds(all.median()), fmt.Sprintf("%d of %d", len(all), len(res[mode])))
	}
	t.notes = []string{
		"each stage ends when the harness sees its result on a watch (the request and the artifact) or by polling every 5 ms (the ConfigMap), so each includes one delivery to the harness; the stages' medians need not add up to the total's",
		"with the annotation trigger the first stage is the harness's own write; with the webhook it is notification-controller verifying the delivery and writing the request",
		"Git floor: after each commit is applied, the harness clones main at depth 1 into a temporary directory with go-git, the library source-controller fetches with: one ref advertisement and one fetch, the least a new commit needs; the in-process Git server starts git-upload-pack for each request",
	}
	return t
}

// totals is the end-to-end latency of each commit.
func totals(cs []commitStages) []time.Duration {
	out := make([]time.Duration, len(cs))
	for i, c := range cs {
		out[i] = c.total
	}
	return out
}
