using SkillInference.Bundles;

namespace SkillInference.Cli.Reports;

/// <summary>One bundle's scores on a labelled evaluation set, and what the report shows about them.</summary>
internal sealed class Evaluation
{
    /// <summary>Calibration and score-histogram bins: ten of width 0.1 over [0, 1].</summary>
    public static readonly IReadOnlyList<double> ScoreEdges = [.. Enumerable.Range(0, 11).Select(i => i / 10.0)];

    private Evaluation(ModelBundle bundle, double[] scores, int[] labels, double[] ratings, int failed)
    {
        Bundle = bundle;
        Scores = scores;
        Labels = labels;
        Failed = failed;
        Roc = RocCurve(scores, labels);
        Auc = Trapezoid(Roc);
        Accuracy = scores.Zip(labels).Average(p => (p.First >= 0.5 ? 1 : 0) == p.Second ? 1.0 : 0.0);
        LogLoss = -scores.Zip(labels).Average(p => Math.Log(p.Second == 1 ? Clip(p.First) : 1 - Clip(p.First)));
        (PearsonR, RatedCount) = Pearson(scores, ratings);
        Calibration = CalibrationBins(scores, labels);
        ScoreHistogram = Histogram.Build(scores, ScoreEdges);
    }

    public ModelBundle Bundle { get; }

    public string Version => Bundle.Manifest.Version;

    public IReadOnlyList<double> Scores { get; }

    public IReadOnlyList<int> Labels { get; }

    /// <summary>Rows the bundle could not score (their errors are counted, not shown).</summary>
    public int Failed { get; }

    /// <summary>(false positive rate, true positive rate) from the highest threshold down, starting at (0, 0).</summary>
    public IReadOnlyList<(double Fpr, double Tpr)> Roc { get; }

    /// <summary>The area under <see cref="Roc"/> (trapezoids; ties count half, as the Mann–Whitney statistic).</summary>
    public double Auc { get; }

    public double Accuracy { get; }

    /// <summary>Mean log loss in nats, probabilities clipped to [1e-15, 1 - 1e-15] as scikit-learn does.</summary>
    public double LogLoss { get; }

    /// <summary>Pearson r of the score with the teacher rating, over rows with a rating; NaN when undefined.</summary>
    public double PearsonR { get; }

    public int RatedCount { get; }

    /// <summary>Per non-empty bin: mean predicted probability, observed share of positives, rows.</summary>
    public IReadOnlyList<(double Predicted, double Observed, int Count)> Calibration { get; }

    public Histogram ScoreHistogram { get; }

    public int Positives => Labels.Count(l => l == 1);

    public static Evaluation Create(ModelBundle bundle, IReadOnlyList<double?> scores, IReadOnlyList<int> labels, IReadOnlyList<double> ratings)
    {
        var kept = Enumerable.Range(0, scores.Count).Where(i => scores[i].HasValue).ToArray();
        if (kept.Length == 0)
        {
            throw new InvalidOperationException($"{bundle.Manifest.Skill}@{bundle.Manifest.Version} scored none of the evaluation rows.");
        }

        return new Evaluation(bundle, [.. kept.Select(i => scores[i]!.Value)], [.. kept.Select(i => labels[i])], [.. kept.Select(i => ratings[i])], scores.Count - kept.Length);
    }

    private static double Clip(double p) => Math.Clamp(p, 1e-15, 1 - 1e-15);

    private static (double Fpr, double Tpr)[] RocCurve(double[] scores, int[] labels)
    {
        var positives = labels.Count(l => l == 1);
        var negatives = labels.Length - positives;
        if (positives == 0 || negatives == 0)
        {
            throw new InvalidOperationException("The evaluation rows need both labels (0 and 1) for a ROC curve.");
        }

        var order = Enumerable.Range(0, scores.Length).OrderByDescending(i => scores[i]).ToArray();
        var points = new List<(double, double)> { (0, 0) };
        int tp = 0, fp = 0;
        for (var k = 0; k < order.Length; k++)
        {
            if (labels[order[k]] == 1)
            {
                tp++;
            }
            else
            {
                fp++;
            }

            // One point per distinct threshold: tied scores move together (a diagonal step).
            if (k == order.Length - 1 || scores[order[k + 1]] != scores[order[k]])
            {
                points.Add(((double)fp / negatives, (double)tp / positives));
            }
        }

        return [.. points];
    }

    private static double Trapezoid(IReadOnlyList<(double X, double Y)> points)
    {
        var area = 0.0;
        for (var i = 1; i < points.Count; i++)
        {
            area += (points[i].X - points[i - 1].X) * (points[i].Y + points[i - 1].Y) / 2;
        }

        return area;
    }

    private static (double R, int N) Pearson(double[] x, double[] y)
    {
        var pairs = x.Zip(y).Where(p => !double.IsNaN(p.Second)).ToArray();
        if (pairs.Length < 3)
        {
            return (double.NaN, pairs.Length);
        }

        double mx = pairs.Average(p => p.First), my = pairs.Average(p => p.Second), sxy = 0, sxx = 0, syy = 0;
        foreach (var (a, b) in pairs)
        {
            sxy += (a - mx) * (b - my);
            sxx += (a - mx) * (a - mx);
            syy += (b - my) * (b - my);
        }

        return (sxx == 0 || syy == 0 ? double.NaN : sxy / Math.Sqrt(sxx * syy), pairs.Length);
    }

    private static (double, double, int)[] CalibrationBins(double[] scores, int[] labels)
    {
        var bins = ScoreEdges.Count - 1;
        var sum = new double[bins];
        var positives = new int[bins];
        var count = new int[bins];
        for (var i = 0; i < scores.Length; i++)
        {
            var b = Histogram.BinOf(scores[i], ScoreEdges);
            sum[b] += scores[i];
            positives[b] += labels[i];
            count[b]++;
        }

        return [.. Enumerable.Range(0, bins).Where(b => count[b] > 0).Select(b => (sum[b] / count[b], (double)positives[b] / count[b], count[b]))];
    }
}
