package stack

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/otlpfwd/otlpfwd/export"
	"github.com/otlpfwd/otlpfwd/ingest"
	"github.com/otlpfwd/otlpfwd/shared/aws/setup"
	"github.com/otlpfwd/otlpfwd/shared/route"
)

// templatePath is the repository's template.yaml.
const templatePath = "../../template.yaml"

func loadTemplate(t *testing.T) *Template {
	t.Helper()
	tpl, err := Load(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

// iamStarExceptions are the only actions an IAM statement may grant on
// Resource "*", and why AWS requires it. template.yaml documents the same
// list.
var iamStarExceptions = map[string]string{
	"secretsmanager:ListSecrets":     "ListSecrets has no resource-level permissions",
	"ec2:CreateNetworkInterface":     "VPC placement: Lambda checks the role for the ENI actions unscoped",
	"ec2:DescribeNetworkInterfaces":  "VPC placement: Describe actions have no resource-level permissions",
	"ec2:DescribeSubnets":            "VPC placement: Describe actions have no resource-level permissions",
	"ec2:DeleteNetworkInterface":     "VPC placement: Lambda checks the role for the ENI actions unscoped",
	"ec2:AssignPrivateIpAddresses":   "VPC placement: Lambda checks the role for the ENI actions unscoped",
	"ec2:UnassignPrivateIpAddresses": "VPC placement: Lambda checks the role for the ENI actions unscoped",
}

// paramSpec returns the raw definition of the parameter v refers to
// (v must be {"Ref": name}).
func paramSpec(t *testing.T, tpl *Template, v any) (string, map[string]any) {
	t.Helper()
	ref, ok := v.(map[string]any)["Ref"].(string)
	if !ok {
		t.Fatalf("%v is not a !Ref to a parameter", v)
	}
	spec, ok := tpl.Body["Parameters"].(map[string]any)[ref].(map[string]any)
	if !ok {
		t.Fatalf("!Ref %s: no such parameter", ref)
	}
	return ref, spec
}

func number(t *testing.T, v any) int {
	t.Helper()
	switch n := v.(type) {
	case int:
		return n
	case float64:
		return int(n)
	}
	t.Fatalf("%v (%T) is not a number", v, v)
	return 0
}

// TestEventSourceMappings checks the delivery settings DESIGN.md section 4
// requires of both mappings.
func TestEventSourceMappings(t *testing.T) {
	tpl := loadTemplate(t)
	res := tpl.Resources()
	var esms []string
	for name, r := range res {
		if Type(r) == "AWS::Lambda::EventSourceMapping" {
			esms = append(esms, name)
		}
	}
	slices.Sort(esms)
	if !slices.Equal(esms, []string{"ExportEventSource", "IngestEventSource"}) {
		t.Fatalf("event source mappings %v, want ExportEventSource and IngestEventSource", esms)
	}
	retention := number(t, tpl.Body["Parameters"].(map[string]any)["StreamRetentionHours"].(map[string]any)["Default"]) * 3600
	for _, name := range esms {
		t.Run(name, func(t *testing.T) {
			p := Properties(res[name])
			if !slices.Contains(p["FunctionResponseTypes"].([]any), any("ReportBatchItemFailures")) {
				t.Error("FunctionResponseTypes lacks ReportBatchItemFailures")
			}
			if p["BisectBatchOnFunctionError"] != true {
				t.Error("BisectBatchOnFunctionError is not true")
			}
			_, retry := paramSpec(t, tpl, p["MaximumRetryAttempts"])
			if number(t, retry["MinValue"]) < 0 || number(t, retry["MaxValue"]) > 10000 || number(t, retry["Default"]) < 0 {
				t.Errorf("MaximumRetryAttempts is not bounded to 0..10000: %v", retry)
			}
			_, age := paramSpec(t, tpl, p["MaximumRecordAgeInSeconds"])
			if number(t, age["MinValue"]) < 60 || number(t, age["MaxValue"]) > 604800 || number(t, age["Default"]) < 60 {
				t.Errorf("MaximumRecordAgeInSeconds is not bounded to 60..604800: %v", age)
			}
			if d := number(t, age["Default"]); d >= retention {
				t.Errorf("default record age %d s is not below the default stream retention %d s: no time left to replay a failed batch", d, retention)
			}
			dest := p["DestinationConfig"].(map[string]any)["OnFailure"].(map[string]any)["Destination"]
			ga, ok := dest.(map[string]any)["Fn::GetAtt"].([]any)
			if !ok || Type(res[ga[0].(string)]) != "AWS::SQS::Queue" || ga[1] != "Arn" {
				t.Errorf("OnFailure destination %v is not a queue of the stack", dest)
			}
			if ga[0] == "DeadLetterQueue" {
				t.Error("OnFailure goes to the DLQ, whose format (shared/dlq) it does not follow")
			}
			for _, k := range []string{"BatchSize", "MaximumBatchingWindowInSeconds", "ParallelizationFactor"} {
				paramSpec(t, tpl, p[k])
			}
			_, pf := paramSpec(t, tpl, p["ParallelizationFactor"])
			if number(t, pf["MinValue"]) < 1 || number(t, pf["MaxValue"]) > 10 {
				t.Errorf("ParallelizationFactor allows values outside 1..10: %v", pf)
			}
			_, bs := paramSpec(t, tpl, p["BatchSize"])
			if number(t, bs["MaxValue"]) > 10000 {
				t.Errorf("BatchSize allows more than 10,000 records: %v", bs)
			}
		})
	}
}

// policyDocs returns every IAM identity policy document in the template,
// named by resource and policy.
func policyDocs(tpl *Template) map[string]map[string]any {
	docs := map[string]map[string]any{}
	for name, r := range tpl.Resources() {
		p := Properties(r)
		switch Type(r) {
		case "AWS::IAM::Role":
			for _, pol := range p["Policies"].([]any) {
				m := pol.(map[string]any)
				docs[name+"/"+m["PolicyName"].(string)] = m["PolicyDocument"].(map[string]any)
			}
		case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
			docs[name] = p["PolicyDocument"].(map[string]any)
		}
	}
	return docs
}

// statements returns a document's statements, those inside
// !If [cond, statement, AWS::NoValue] included.
func statements(doc map[string]any) []map[string]any {
	var out []map[string]any
	for _, s := range doc["Statement"].([]any) {
		m := s.(map[string]any)
		if iff, ok := m["Fn::If"].([]any); ok {
			for _, branch := range iff[1:] {
				if b, ok := branch.(map[string]any); ok && b["Ref"] != "AWS::NoValue" {
					out = append(out, b)
				}
			}
			continue
		}
		out = append(out, m)
	}
	return out
}

func strings_(v any) []string {
	switch v := v.(type) {
	case string:
		return []string{v}
	case []any:
		var out []string
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// TestIAMLeastPrivilege checks that no statement grants on Resource "*"
// beyond the documented exceptions, and that no action is a wildcard.
func TestIAMLeastPrivilege(t *testing.T) {
	tpl := loadTemplate(t)
	docs := policyDocs(tpl)
	if len(docs) < 3 {
		t.Fatalf("found %d policies, want those of IngestRole, ExportRole and SubscriptionRole", len(docs))
	}
	used := map[string]bool{}
	for name, doc := range docs {
		for _, st := range statements(doc) {
			actions := strings_(st["Action"])
			for _, a := range actions {
				if a == "*" || strings.HasSuffix(a, ":*") {
					t.Errorf("%s: statement %v grants the wildcard action %s", name, st["Sid"], a)
				}
			}
			if _, ok := st["NotResource"]; ok {
				t.Errorf("%s: statement %v uses NotResource", name, st["Sid"])
			}
			if !slices.Contains(strings_(st["Resource"]), "*") {
				continue
			}
			for _, a := range actions {
				if _, ok := iamStarExceptions[a]; !ok {
					t.Errorf("%s: statement %v grants %s on Resource \"*\"; name the ARN, or document why AWS requires \"*\" in template.yaml and iamStarExceptions", name, st["Sid"], a)
				}
				used[a] = true
			}
		}
	}
	for a, why := range iamStarExceptions {
		if !used[a] {
			t.Errorf("exception %s (%s) is not used any more: remove it", a, why)
		}
	}
	// The template must say why, too.
	raw, err := os.ReadFile(templatePath)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"secretsmanager:ListSecrets on \"*\"", "EC2 network interface actions on \"*\"", "key policy's \"Resource\": \"*\""} {
		if !strings.Contains(string(raw), s) {
			t.Errorf("template.yaml does not document the exception %q", s)
		}
	}
}

// TestSubscriptionRole checks that CloudWatch Logs' role can only put
// records into the raw stream (and encrypt them for it).
func TestSubscriptionRole(t *testing.T) {
	tpl := loadTemplate(t)
	role := Properties(tpl.Resources()["SubscriptionRole"])
	trust := statements(role["AssumeRolePolicyDocument"].(map[string]any))
	if len(trust) != 1 || trust[0]["Principal"].(map[string]any)["Service"] != "logs.amazonaws.com" || trust[0]["Condition"] == nil {
		t.Errorf("trust policy %v: want logs.amazonaws.com with an aws:SourceArn condition", trust)
	}
	for name, doc := range policyDocs(tpl) {
		if !strings.HasPrefix(name, "SubscriptionRole/") {
			continue
		}
		for _, st := range statements(doc) {
			actions := strings_(st["Action"])
			res := fmt.Sprint(st["Resource"])
			switch {
			case slices.Equal(actions, []string{"kinesis:PutRecord", "kinesis:PutRecords"}):
				if res != "map[Fn::GetAtt:[RawStream Arn]]" {
					t.Errorf("PutRecord(s) on %s, want the raw stream only", res)
				}
			case slices.Equal(actions, []string{"kms:GenerateDataKey"}):
				cond := fmt.Sprint(st["Condition"])
				if !strings.Contains(cond, "kms:EncryptionContext:aws:kinesis:arn") || !strings.Contains(cond, "RawStream") {
					t.Errorf("kms:GenerateDataKey is not limited to the raw stream's encryption context: %s", cond)
				}
			default:
				t.Errorf("the subscription role may only put records into the raw stream; it also has %v", actions)
			}
		}
	}
}

// TestCollectorSecretsScope checks GetSecretValue is limited to the prefix.
func TestCollectorSecretsScope(t *testing.T) {
	tpl := loadTemplate(t)
	found := 0
	for name, doc := range policyDocs(tpl) {
		for _, st := range statements(doc) {
			if !slices.Contains(strings_(st["Action"]), "secretsmanager:GetSecretValue") {
				continue
			}
			found++
			sub, _ := st["Resource"].(map[string]any)["Fn::Sub"].(string)
			if !strings.HasSuffix(sub, ":secret:${CollectorSecretPrefix}*") {
				t.Errorf("%s: GetSecretValue on %v, want the collector prefix only", name, st["Resource"])
			}
		}
	}
	if found != 2 {
		t.Errorf("%d statements grant GetSecretValue, want one per function role", found)
	}
	// secret:${CollectorSecretPrefix}* is a folder only if the prefix ends
	// with "/": "otlpfwd" would grant otlpfwd-prod-db too.
	spec := tpl.Body["Parameters"].(map[string]any)["CollectorSecretPrefix"].(map[string]any)
	re, err := regexp.Compile(spec["AllowedPattern"].(string))
	if err != nil {
		t.Fatal(err)
	}
	for v, want := range map[string]bool{
		spec["Default"].(string): true, "otlpfwd/collectors/": true, "team/otlpfwd/": true, "a/": true,
		"otlpfwd": false, "otlpfwd/collectors": false, "/": false, "": false, "a b/": false,
		strings.Repeat("a", 511) + "/": true, strings.Repeat("a", 512) + "/": false,
	} {
		if re.MatchString(v) != want {
			t.Errorf("CollectorSecretPrefix %q: allowed %v, want %v", v, !want, want)
		}
	}
}

// TestFunctions checks the functions' build, runtime and environment.
func TestFunctions(t *testing.T) {
	tpl := loadTemplate(t)
	res := tpl.Resources()
	arch, ok := tpl.Parameter("Architecture")
	if !ok || arch.Default != "arm64" {
		t.Errorf("parameter Architecture %+v, want default arm64", arch)
	}
	common := []string{ingest.EnvDLQURL, route.EnvCollectorsSecretPrefix, setup.EnvOwnLogGroups, setup.EnvLogLevel, ingest.EnvDLQMaxMessageSize}
	for _, c := range []struct {
		name, codeURI string
		env           []string
	}{
		{"IngestFunction", "ingest/lambda", append([]string{ingest.EnvExportStream, ingest.EnvRawStream}, common...)},
		{"ExportFunction", "export/lambda", append([]string{export.EnvExportStream}, common...)},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := res[c.name]
			p := Properties(r)
			if Type(r) != "AWS::Serverless::Function" || p["Runtime"] != "provided.al2023" || p["Handler"] != "bootstrap" || p["CodeUri"] != c.codeURI {
				t.Fatalf("%s: %v", c.name, p)
			}
			if md := r["Metadata"].(map[string]any); md["BuildMethod"] != "go1.x" {
				t.Errorf("Metadata %v: want BuildMethod go1.x for sam build", md)
			}
			if fmt.Sprint(p["Architectures"]) != "[map[Ref:Architecture]]" {
				t.Errorf("Architectures %v, want [!Ref Architecture]", p["Architectures"])
			}
			if files, _ := filepath.Glob(filepath.Join(filepath.Dir(templatePath), c.codeURI, "main.go")); len(files) != 1 {
				t.Errorf("CodeUri %s has no main.go", c.codeURI)
			}
			vars := p["Environment"].(map[string]any)["Variables"].(map[string]any)
			for _, e := range c.env {
				if _, ok := vars[e]; !ok {
					t.Errorf("environment lacks %s", e)
				}
			}
			for _, k := range []string{"MemorySize", "Timeout"} {
				paramSpec(t, tpl, p[k])
			}
			if _, ok := p["ReservedConcurrentExecutions"].(map[string]any)["Fn::If"]; !ok {
				t.Error("ReservedConcurrentExecutions is not a parameter (with -1 for none)")
			}
			// The function logs to /aws/lambda/<its name>, so the account
			// policy can exclude it by exact name.
			lg := p["LoggingConfig"].(map[string]any)["LogGroup"].(map[string]any)["Ref"].(string)
			lgName := Properties(res[lg])["LogGroupName"].(map[string]any)["Fn::Sub"]
			fnName := p["FunctionName"].(map[string]any)["Fn::Sub"]
			if lgName != "/aws/lambda/"+fnName.(string) {
				t.Errorf("log group %v is not /aws/lambda/%v", lgName, fnName)
			}
			if Properties(res[lg])["RetentionInDays"] == nil {
				t.Errorf("log group %s has no retention", lg)
			}
		})
	}
	vpc := fmt.Sprint(Properties(res["ExportFunction"])["VpcConfig"])
	if !strings.Contains(vpc, "ExportInVpc") || !strings.Contains(vpc, "ExportSubnetIds") || !strings.Contains(vpc, "ExportSecurityGroupIds") {
		t.Errorf("ExportFunction VpcConfig %s: want subnets and security groups under the ExportInVpc condition", vpc)
	}
}

// TestAccountPolicy checks the optional account-level subscription
// excludes the pipeline's own log groups by exact name.
func TestAccountPolicy(t *testing.T) {
	tpl := loadTemplate(t)
	r := tpl.Resources()["AccountSubscriptionPolicy"]
	if Type(r) != "AWS::Logs::AccountPolicy" || r["Condition"] != "AccountSubscription" {
		t.Fatalf("AccountSubscriptionPolicy: %v", r)
	}
	p := Properties(r)
	sel := p["SelectionCriteria"].(map[string]any)["Fn::Sub"].(string)
	if sel != `LogGroupName NOT IN ["${IngestLogGroup}", "${ExportLogGroup}"]` {
		t.Errorf("SelectionCriteria %q", sel)
	}
	doc := p["PolicyDocument"].(map[string]any)["Fn::Sub"].(string)
	for _, s := range []string{"${RawStream.Arn}", "${SubscriptionRole.Arn}", "${AccountSubscriptionFilterPattern}"} {
		if !strings.Contains(doc, s) {
			t.Errorf("PolicyDocument %s lacks %s", doc, s)
		}
	}
	if p["PolicyType"] != "SUBSCRIPTION_FILTER_POLICY" {
		t.Errorf("PolicyType %v", p["PolicyType"])
	}
}

// TestStorage checks encryption and retention of the streams and queues.
func TestStorage(t *testing.T) {
	tpl := loadTemplate(t)
	res := tpl.Resources()
	for _, name := range []string{"RawStream", "ExportStream"} {
		p := Properties(res[name])
		if p["StreamEncryption"].(map[string]any)["EncryptionType"] != "KMS" {
			t.Errorf("%s is not KMS-encrypted", name)
		}
		paramSpec(t, tpl, p["ShardCount"])
		paramSpec(t, tpl, p["RetentionPeriodHours"])
	}
	for _, name := range []string{"DeadLetterQueue", "EsmFailureQueue"} {
		p := Properties(res[name])
		if p["KmsMasterKeyId"] == nil {
			t.Errorf("%s is not KMS-encrypted", name)
		}
		if number(t, p["MessageRetentionPeriod"]) != 14*24*3600 {
			t.Errorf("%s keeps messages %v s, want 14 days", name, p["MessageRetentionPeriod"])
		}
	}
	_, size := paramSpec(t, tpl, Properties(res["DeadLetterQueue"])["MaximumMessageSize"])
	if number(t, size["Default"]) != 1<<20 || number(t, size["MaxValue"]) != 1<<20 {
		t.Errorf("DLQ MaximumMessageSize %v: want 1 MiB, the largest SQS allows", size)
	}
	if res["DeadLetterQueue"]["DeletionPolicy"] != "Retain" {
		t.Error("deleting the stack would delete the DLQ and the telemetry in it")
	}
}

// TestAlarms checks the alarms DESIGN.md asks for.
func TestAlarms(t *testing.T) {
	tpl := loadTemplate(t)
	want := map[string]bool{
		"IteratorAge IngestFunction": false, "IteratorAge ExportFunction": false,
		"Errors IngestFunction": false, "Errors ExportFunction": false,
		"ApproximateNumberOfMessagesVisible DeadLetterQueue": false,
	}
	for _, r := range tpl.Resources() {
		if Type(r) != "AWS::CloudWatch::Alarm" {
			continue
		}
		p := Properties(r)
		dim := fmt.Sprint(p["Dimensions"])
		for k := range want {
			metric, target, _ := strings.Cut(k, " ")
			if p["MetricName"] == metric && strings.Contains(dim, target) {
				want[k] = true
			}
		}
	}
	for k, ok := range want {
		if !ok {
			t.Errorf("no alarm on %s", k)
		}
	}
}

// TestOutputs checks that every output the CLI reads exists.
func TestOutputs(t *testing.T) {
	keys := loadTemplate(t).OutputKeys()
	for _, k := range CLIOutputs {
		if !slices.Contains(keys, k) {
			t.Errorf("template.yaml has no output %s", k)
		}
	}
}
