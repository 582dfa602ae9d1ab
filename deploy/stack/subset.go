package stack

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// MotoTypes are the resource types moto's CloudFormation (5.2) creates
// that template.yaml uses, besides functions converted from SAM. It has no
// AWS::CloudWatch::Alarm, AWS::Logs::AccountPolicy, AWS::SQS::QueuePolicy
// or AWS::SecretsManager::Secret (the template creates no secrets: operators
// put one per collector under the prefix).
var MotoTypes = []string{
	"AWS::IAM::Role", "AWS::IAM::Policy", "AWS::KMS::Key", "AWS::KMS::Alias",
	"AWS::Kinesis::Stream", "AWS::SQS::Queue", "AWS::Logs::LogGroup",
	"AWS::Lambda::Function", "AWS::Lambda::EventSourceMapping",
}

// Dropped is a resource or output that Subset left out, and why.
type Dropped struct {
	Name   string
	Reason string
}

// Subset returns a plain CloudFormation copy of t for a stand-in that does
// not run the SAM transform (moto): the Transform is removed, each
// AWS::Serverless::Function whose CodeUri is already in S3 becomes an
// AWS::Lambda::Function (one that is not yet packaged is left out), every
// resource whose type is not in types is left out, then, until nothing
// changes, every resource and output that refers to one left out (Ref,
// GetAtt, Sub, DependsOn). It also returns what it left out.
func Subset(t *Template, types []string) (*Template, []Dropped, error) {
	out := t.Clone()
	delete(out.Body, "Transform")
	keep := map[string]bool{}
	for _, ty := range types {
		keep[ty] = true
	}
	resources := out.Body["Resources"].(map[string]any)
	var dropped []Dropped
	drop := func(name, reason string) {
		delete(resources, name)
		dropped = append(dropped, Dropped{Name: name, Reason: reason})
	}
	for _, name := range sortedKeys(resources) {
		r, _ := resources[name].(map[string]any)
		switch ty := Type(r); {
		case ty == "AWS::Serverless::Function":
			fn, err := plainFunction(name, r)
			if err != nil {
				return nil, nil, err
			}
			if fn == nil {
				drop(name, "its CodeUri is not packaged to S3")
				continue
			}
			resources[name] = fn
		case !keep[ty]:
			drop(name, ty+" is not supported by the stand-in")
		}
	}
	known := func() map[string]bool {
		k := map[string]bool{}
		params, _ := out.Body["Parameters"].(map[string]any)
		for name := range params {
			k[name] = true
		}
		for name := range resources {
			k[name] = true
		}
		return k
	}
	for changed := true; changed; {
		changed = false
		for _, name := range sortedKeys(resources) {
			if ref, ok := firstRef(resources[name], known()); ok {
				drop(name, "it refers to "+ref+", which was left out")
				changed = true
			}
		}
	}
	if outputs, ok := out.Body["Outputs"].(map[string]any); ok {
		for _, name := range sortedKeys(outputs) {
			if ref, ok := firstRef(outputs[name], known()); ok {
				delete(outputs, name)
				dropped = append(dropped, Dropped{Name: "Outputs." + name, Reason: "it refers to " + ref + ", which was left out"})
			}
		}
	}
	return out, dropped, nil
}

// samOnly are AWS::Serverless::Function properties with no
// AWS::Lambda::Function counterpart; plainFunction refuses them rather than
// silently dropping behaviour.
var samOnly = []string{"Events", "Policies", "AutoPublishAlias", "DeploymentPreference", "InlineCode", "ImageUri", "Layers", "FunctionUrlConfig", "EventInvokeConfig", "ProvisionedConcurrencyConfig", "SnapStart"}

// plainFunction converts a packaged SAM function; nil if its code is not
// in S3.
func plainFunction(name string, r map[string]any) (map[string]any, error) {
	props := Properties(r)
	uri, _ := props["CodeUri"].(string)
	bucket, key, ok := strings.Cut(strings.TrimPrefix(uri, "s3://"), "/")
	if !strings.HasPrefix(uri, "s3://") || !ok {
		return nil, nil
	}
	for _, p := range samOnly {
		if _, ok := props[p]; ok {
			return nil, fmt.Errorf("subset: %s uses the SAM property %s, which has no AWS::Lambda::Function form", name, p)
		}
	}
	plain := map[string]any{}
	for k, v := range props {
		if k != "CodeUri" {
			plain[k] = v
		}
	}
	plain["Code"] = map[string]any{"S3Bucket": bucket, "S3Key": key}
	fn := map[string]any{"Type": "AWS::Lambda::Function", "Properties": plain}
	for _, k := range []string{"Condition", "DependsOn", "DeletionPolicy", "UpdateReplacePolicy"} {
		if v, ok := r[k]; ok {
			fn[k] = v
		}
	}
	return fn, nil
}

// subVar finds ${Name} and ${Name.Attr} in an Fn::Sub string; ${!x} is a
// literal.
var subVar = regexp.MustCompile(`\$\{([^!}][^}]*)\}`)

// firstRef returns the first name v refers to that is not known (a
// remaining resource or a parameter); pseudo parameters are always known.
func firstRef(v any, known map[string]bool) (string, bool) {
	var missing string
	var walk func(v any, local map[string]bool)
	check := func(name string, local map[string]bool) {
		name, _, _ = strings.Cut(name, ".")
		if missing != "" || local[name] || strings.HasPrefix(name, "AWS::") {
			return
		}
		if !known[name] {
			missing = name
		}
	}
	walk = func(v any, local map[string]bool) {
		switch v := v.(type) {
		case map[string]any:
			if len(v) == 1 {
				for k, arg := range v {
					switch k {
					case "Ref":
						if s, ok := arg.(string); ok {
							check(s, local)
						}
						return
					case "Fn::GetAtt":
						switch a := arg.(type) {
						case string:
							check(a, local)
						case []any:
							if len(a) > 0 {
								if name, ok := a[0].(string); ok {
									check(name, local)
								}
							}
						}
						return
					case "Fn::Sub":
						str, vars := arg, map[string]any(nil)
						if s, ok := arg.([]any); ok && len(s) == 2 {
							str = s[0]
							vars, _ = s[1].(map[string]any)
						}
						inner := map[string]bool{}
						for k := range local {
							inner[k] = true
						}
						for k, vv := range vars {
							inner[k] = true
							walk(vv, local)
						}
						if s, ok := str.(string); ok {
							for _, m := range subVar.FindAllStringSubmatch(s, -1) {
								check(m[1], inner)
							}
						}
						return
					}
				}
			}
			for k, e := range v {
				if k == "DependsOn" {
					switch d := e.(type) {
					case string:
						check(d, local)
					case []any:
						for _, x := range d {
							if s, ok := x.(string); ok {
								check(s, local)
							}
						}
					}
					continue
				}
				walk(e, local)
			}
		case []any:
			for _, e := range v {
				walk(e, local)
			}
		}
	}
	walk(v, nil)
	return missing, missing != ""
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
