package receiver

import (
	"context"

	"sigs.k8s.io/controller-runtime/pkg/client"

	notifv1 "github.com/eddy-gitops/eddy/api/notification/v1"
)

// WebhookPathIndex is the cache field index from status.webhookPath to Receivers; the server
// finds the Receiver of a request with one indexed List instead of scanning them all.
const WebhookPathIndex = ".status.webhookPath"

// IndexWebhookPath registers WebhookPathIndex on the manager's field indexer. Call it once,
// before the manager starts.
func IndexWebhookPath(ctx context.Context, indexer client.FieldIndexer) error {
	return indexer.IndexField(ctx, &notifv1.Receiver{}, WebhookPathIndex, func(obj client.Object) []string {
		rcv, ok := obj.(*notifv1.Receiver)
		if !ok || rcv.Status.WebhookPath == "" {
			return nil
		}
		return []string{rcv.Status.WebhookPath}
	})
}
