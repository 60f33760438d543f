using System.Globalization;
using System.Text;
using SkillInference.Bundles;

namespace SkillInference.Cli.Reports;

/// <summary>
/// Fills the repository's template (Reports/report.html) with one evaluation, or two side by side: metrics tables,
/// ROC and calibration curves, score histograms against the bundle's reference, importance bars. Every number shown
/// also sits in a <c>data-value</c> attribute at full precision, so a test can compare it with its own computation.
/// </summary>
internal static class ReportRenderer
{
    private static readonly string[] Colors = ["var(--a)", "var(--b)"];

    public static string Render(string skill, IReadOnlyList<Evaluation> evaluations, string dataDescription, DateTimeOffset generatedAt)
    {
        var versions = string.Join(" against ", evaluations.Select(e => e.Version));
        var html = new StringBuilder(Template())
            .Replace("{{title}}", Svg.Encode($"{skill} {versions}: evaluation report"))
            .Replace("{{subtitle}}", Svg.Encode($"Generated {generatedAt.UtcDateTime:yyyy-MM-dd HH:mm} UTC by skillinf report"))
            .Replace("{{data}}", Svg.Encode(dataDescription))
            .Replace("{{metrics}}", Metrics(evaluations))
            .Replace("{{roc}}", Chart("ROC", Legend(evaluations) + Svg.UnitLines("roc", [.. evaluations.Select((e, i) => new Svg.Series(e.Version, Colors[i], e.Roc))], "false positive rate", "true positive rate", markers: false)))
            .Replace("{{calibration}}", Chart("Calibration", Legend(evaluations) + Svg.UnitLines("calibration", [.. evaluations.Select((e, i) => new Svg.Series(e.Version, Colors[i], [.. e.Calibration.Select(c => (c.Predicted, c.Observed))]))], "mean predicted probability", "observed share of positives", markers: true)))
            .Replace("{{histograms}}", Grid(evaluations.Select(Histogram)))
            .Replace("{{importance}}", Grid(evaluations.Select(e => Chart($"{e.Version}", Svg.HorizontalBars("importance", e.Version, [.. e.Bundle.Manifest.Importance.OrderByDescending(i => i.Gain).Select(i => (i.Feature, i.Gain))])))))
            .Replace("{{about}}", About(evaluations));
        return html.ToString();
    }

    private static string Template()
    {
        using var stream = typeof(ReportRenderer).Assembly.GetManifestResourceStream("SkillInference.Cli.Reports.report.html")
            ?? throw new InvalidOperationException("The report template is missing from the tool.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }

    private static string Metrics(IReadOnlyList<Evaluation> evaluations)
    {
        var rows = new (string Key, string Label, Func<Evaluation, double> Value, string Format, bool HigherIsBetter)[]
        {
            ("auc", "AUC", e => e.Auc, "0.0000", true),
            ("accuracy", "accuracy at 0.5", e => e.Accuracy, "0.0000", true),
            ("log-loss", "log loss", e => e.LogLoss, "0.0000", false),
            ("pearson-r", "Pearson r with teacher ratings", e => e.PearsonR, "0.0000", true),
            ("rated", "rows with a teacher rating", e => e.RatedCount, "0", true),
            ("rows", "rows scored", e => e.Scores.Count, "0", true),
            ("positives", "rows labelled 1", e => e.Positives, "0", true),
            ("failed", "rows that could not be scored", e => e.Failed, "0", false),
        };
        var html = new StringBuilder("<table class=\"metrics\"><thead><tr><th>metric</th>");
        foreach (var e in evaluations)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{Svg.Encode(e.Version)}</th>");
        }

        html.Append(evaluations.Count == 2 ? "<th>difference</th></tr></thead><tbody>" : "</tr></thead><tbody>");
        foreach (var (key, label, value, format, higher) in rows)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{label}</td>");
            foreach (var e in evaluations)
            {
                html.Append(Cell(key, e.Version, value(e), format));
            }

            if (evaluations.Count == 2)
            {
                var delta = value(evaluations[0]) - value(evaluations[1]);
                var css = delta == 0 || double.IsNaN(delta) ? "" : (delta > 0) == higher ? " class=\"better\"" : " class=\"worse\"";
                html.Append(CultureInfo.InvariantCulture, $"<td{css}>{(double.IsNaN(delta) ? "-" : delta.ToString("+" + format + ";-" + format + ";0", CultureInfo.InvariantCulture))}</td>");
            }

            html.Append("</tr>");
        }

        html.Append("</tbody></table><table class=\"bundle-metrics\"><thead><tr><th>recorded in the bundle (held-out at training)</th>");
        foreach (var e in evaluations)
        {
            html.Append(CultureInfo.InvariantCulture, $"<th>{Svg.Encode(e.Version)}</th>");
        }

        html.Append("</tr></thead><tbody>");
        foreach (var (key, label, value) in new (string, string, Func<ModelMetrics, double?>)[] { ("bundle-auc", "AUC", m => m.Auc), ("bundle-pearson-r", "Pearson r", m => m.PearsonR), ("bundle-test-count", "test rows", m => m.TestCount) })
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{label}</td>");
            foreach (var e in evaluations)
            {
                html.Append(value(e.Bundle.Manifest.Metrics) is { } v ? Cell(key, e.Version, v, key == "bundle-test-count" ? "0" : "0.0000") : "<td>-</td>");
            }

            html.Append("</tr>");
        }

        return html.Append("</tbody></table>").ToString();
    }

    private static string Cell(string metric, string version, double value, string format) =>
        double.IsNaN(value)
            ? $"<td class=\"metric\" data-metric=\"{metric}\" data-version=\"{Svg.Encode(version)}\" data-value=\"NaN\">-</td>"
            : string.Create(CultureInfo.InvariantCulture, $"<td class=\"metric\" data-metric=\"{metric}\" data-version=\"{Svg.Encode(version)}\" data-value=\"{value:R}\">{value.ToString(format, CultureInfo.InvariantCulture)}</td>");

    private static string Histogram(Evaluation e)
    {
        var live = Shares(e.ScoreHistogram);
        var series = new List<(string, string, IReadOnlyList<double>)> { ("evaluation data", "var(--a)", live) };
        var note = "";
        if (e.Bundle.Manifest.Reference.Score is { } reference && reference.Edges.SequenceEqual(Evaluation.ScoreEdges))
        {
            series.Add(("training reference", "var(--ref)", Shares(reference)));
        }
        else
        {
            note = "<p class=\"note\">The bundle has no reference score histogram over these bins.</p>";
        }

        var legend = "<div class=\"legend\">" + string.Concat(series.Select(s => $"<span><i class=\"swatch\" style=\"background:{s.Item2}\"></i>{Svg.Encode(s.Item1)}</span>")) + "</div>";
        return Chart(e.Version, legend + Svg.GroupedBars("histogram", Evaluation.ScoreEdges, series) + note);
    }

    private static double[] Shares(Histogram h)
    {
        var total = (double)h.Counts.Sum();
        return [.. h.Counts.Select(c => total > 0 ? c / total : 0)];
    }

    private static string About(IReadOnlyList<Evaluation> evaluations)
    {
        var html = new StringBuilder("<table class=\"about\"><tbody>");
        void Row(string label, Func<BundleManifest, string> value)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td>{label}</td>");
            foreach (var e in evaluations)
            {
                html.Append(CultureInfo.InvariantCulture, $"<td>{Svg.Encode(value(e.Bundle.Manifest))}</td>");
            }

            html.Append("</tr>");
        }

        Row("version", m => m.Version);
        Row("format", m => m.Format);
        Row("trainer", m => $"{m.Trainer.Library} {m.Trainer.Algorithm}".Trim());
        Row("trained at", m => m.TrainedAt?.UtcDateTime.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "-");
        Row("training data SHA-256", m => m.TrainingDataSha256 ?? "-");
        Row("features", m => m.Features.Count.ToString(CultureInfo.InvariantCulture));
        Row("model SHA-256", m => m.Sha256);
        Row("description", m => m.Description);
        return html.Append("</tbody></table>").ToString();
    }

    private static string Legend(IReadOnlyList<Evaluation> evaluations) =>
        "<div class=\"legend\">" + string.Concat(evaluations.Select((e, i) => string.Create(CultureInfo.InvariantCulture, $"<span><i class=\"swatch\" style=\"background:{Colors[i]}\"></i>{Svg.Encode(e.Version)} (AUC {e.Auc:0.000})</span>"))) + "</div>";

    private static string Chart(string title, string body) => $"<div class=\"chart\"><h3>{Svg.Encode(title)}</h3>{body}</div>";

    private static string Grid(IEnumerable<string> charts) => "<div class=\"grid\">" + string.Concat(charts) + "</div>";
}
