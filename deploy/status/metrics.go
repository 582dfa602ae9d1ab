package status

import (
	"context"
	"strconv"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"
)

// metric is one CloudWatch query and where its answer goes.
type metric struct {
	namespace, name, dimension, value, stat string
	// into receives the largest value (Maximum) or the sum (Sum) over
	// the window.
	into func(v float64)
}

// metrics reads the queries with one GetMetricData call (paginated).
func (c *checker) metrics(ctx context.Context, ms []metric) {
	if len(ms) == 0 {
		return
	}
	if c.cl.Metrics == nil {
		c.note("CloudWatch metrics not read (no client): iterator ages and invocation errors unknown")
		return
	}
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(c.now.Add(-c.opts.Since)), EndTime: aws.Time(c.now)}
	for i, m := range ms {
		in.MetricDataQueries = append(in.MetricDataQueries, types.MetricDataQuery{
			Id: aws.String("m" + strconv.Itoa(i)), ReturnData: aws.Bool(true),
			MetricStat: &types.MetricStat{Stat: aws.String(m.stat), Period: aws.Int32(60), Metric: &types.Metric{
				Namespace: aws.String(m.namespace), MetricName: aws.String(m.name),
				Dimensions: []types.Dimension{{Name: aws.String(m.dimension), Value: aws.String(m.value)}},
			}},
		})
	}
	values := map[string][]float64{}
	p := cloudwatch.NewGetMetricDataPaginator(c.cl.Metrics, in)
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			c.note("CloudWatch metrics: %v", err)
			return
		}
		for _, r := range out.MetricDataResults {
			values[aws.ToString(r.Id)] = append(values[aws.ToString(r.Id)], r.Values...)
		}
	}
	for i, m := range ms {
		vs := values["m"+strconv.Itoa(i)]
		if len(vs) == 0 {
			continue
		}
		agg := vs[0]
		for _, v := range vs[1:] {
			if m.stat == "Sum" {
				agg += v
			} else {
				agg = max(agg, v)
			}
		}
		m.into(agg)
	}
}
