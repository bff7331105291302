package v1beta3

// Event severities, as used by Alert spec.eventSeverity and by the events controllers send.
const (
	// EventSeverityInfo is the severity of normal events. An Alert with this severity passes
	// events of every severity.
	EventSeverityInfo string = "info"

	// EventSeverityError is the severity of warning events. An Alert with this severity passes
	// only these.
	EventSeverityError string = "error"
)

// SummaryMetadataKey is the event metadata key under which Alert spec.summary is sent.
const SummaryMetadataKey string = "summary"
