package stack

import (
	"encoding/json"
	"testing"
)

func TestParseShortForm(t *testing.T) {
	for _, c := range []struct {
		name, yaml, want string
	}{
		{"ref", "X: !Ref Param", `{"Ref":"Param"}`},
		{"getatt scalar", "X: !GetAtt Res.Arn", `{"Fn::GetAtt":["Res","Arn"]}`},
		{"getatt nested attribute", "X: !GetAtt Res.Endpoint.Address", `{"Fn::GetAtt":["Res","Endpoint.Address"]}`},
		{"getatt list", "X: !GetAtt [Res, Arn]", `{"Fn::GetAtt":["Res","Arn"]}`},
		{"sub", `X: !Sub "${AWS::StackName}-raw"`, `{"Fn::Sub":"${AWS::StackName}-raw"}`},
		{"sub with variables", "X: !Sub ['${A}-x', {A: !Ref B}]", `{"Fn::Sub":["${A}-x",{"A":{"Ref":"B"}}]}`},
		{"if nested", "X: !If [C, !GetAtt K.Arn, !Ref AWS::NoValue]", `{"Fn::If":["C",{"Fn::GetAtt":["K","Arn"]},{"Ref":"AWS::NoValue"}]}`},
		{"equals join", `X: !Not [!Equals [!Join ["", !Ref L], ""]]`, `{"Fn::Not":[{"Fn::Equals":[{"Fn::Join":["",{"Ref":"L"}]},""]}]}`},
		{"condition", "X: !Condition C", `{"Condition":"C"}`},
		{"numbers and bools stay typed", "X: [1, true, '1', -1]", `[1,true,"1",-1]`},
		{"tagged mapping", "X: !If\n  - C\n  - {A: 1}\n  - !Ref AWS::NoValue", `{"Fn::If":["C",{"A":1},{"Ref":"AWS::NoValue"}]}`},
	} {
		t.Run(c.name, func(t *testing.T) {
			tpl, err := Parse([]byte("Resources: {}\n" + c.yaml))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(tpl.Body["X"])
			if string(got) != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	for name, doc := range map[string]string{
		"empty":         "",
		"no resources":  "AWSTemplateFormatVersion: '2010-09-09'",
		"not a mapping": "- a",
		"duplicate key": "Resources: {}\nA: 1\nA: 2",
		"bad getatt":    "Resources: {}\nX: !GetAtt NoDot",
		"bad yaml":      "Resources: [",
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(doc)); err == nil {
				t.Fatal("no error")
			}
		})
	}
}

// TestParseJSONRoundTrip checks that the long form of template.yaml
// survives JSON (what CloudFormation receives) unchanged.
func TestParseJSONRoundTrip(t *testing.T) {
	tpl := loadTemplate(t)
	b, err := tpl.JSON()
	if err != nil {
		t.Fatal(err)
	}
	back, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := back.JSON()
	if string(b) != string(b2) {
		t.Fatal("JSON -> Parse -> JSON changed the template")
	}
	if len(b) > maxTemplateBody {
		t.Logf("template.yaml is %d bytes as JSON, over %d: deploy uploads it to S3", len(b), maxTemplateBody)
	}
}
