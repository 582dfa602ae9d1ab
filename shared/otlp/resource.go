package otlp

// Resource attribute keys otlpfwd adds (OpenTelemetry semantic conventions).
const (
	AttrCloudProvider  = "cloud.provider"
	AttrCloudAccountID = "cloud.account.id"
	AttrCloudRegion    = "cloud.region"
	AttrLogGroupNames  = "aws.log.group.names"
	AttrLogStreamNames = "aws.log.stream.names"
)

// AWSResource returns the attributes that say where telemetry was logged,
// for Enrich: empty values are left out.
func AWSResource(owner, region, logGroup, logStream string) []Attr {
	attrs := make([]Attr, 0, 5)
	attrs = append(attrs, Attr{Key: AttrCloudProvider, Str: "aws"})
	if owner != "" {
		attrs = append(attrs, Attr{Key: AttrCloudAccountID, Str: owner})
	}
	if region != "" {
		attrs = append(attrs, Attr{Key: AttrCloudRegion, Str: region})
	}
	if logGroup != "" {
		attrs = append(attrs, Attr{Key: AttrLogGroupNames, Strs: []string{logGroup}})
	}
	if logStream != "" {
		attrs = append(attrs, Attr{Key: AttrLogStreamNames, Strs: []string{logStream}})
	}
	return attrs
}
