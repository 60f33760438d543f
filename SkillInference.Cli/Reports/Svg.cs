using System.Globalization;
using System.Net;
using System.Text;

namespace SkillInference.Cli.Reports;

/// <summary>The few inline SVG charts the report draws: lines on the unit square, grouped bars, horizontal bars.</summary>
internal static class Svg
{
    private const int Width = 420;
    private const int Height = 300;
    private const int Left = 48;
    private const int Right = 12;
    private const int Top = 12;
    private const int Bottom = 40;

    /// <summary>A series: a name for the legend and data attributes, a CSS color, and its points in [0, 1]².</summary>
    public sealed record Series(string Name, string Color, IReadOnlyList<(double X, double Y)> Points);

    /// <summary>Lines (and optional point markers) on [0, 1] × [0, 1] with the diagonal for reference.</summary>
    public static string UnitLines(string kind, IReadOnlyList<Series> series, string xLabel, string yLabel, bool markers)
    {
        var svg = Open(kind);
        Axes(svg, xLabel, yLabel, ["0", "0.25", "0.5", "0.75", "1"]);
        svg.Append(Invariant($"<line x1=\"{X(0)}\" y1=\"{Y(0)}\" x2=\"{X(1)}\" y2=\"{Y(1)}\" stroke=\"var(--ref)\" stroke-dasharray=\"4 3\"/>"));
        foreach (var s in series)
        {
            var points = string.Join(' ', s.Points.Select(p => Invariant($"{X(p.X):0.##},{Y(p.Y):0.##}")));
            svg.Append(Invariant($"<polyline class=\"{kind}-curve\" data-version=\"{Encode(s.Name)}\" data-points=\"{s.Points.Count}\" points=\"{points}\" fill=\"none\" stroke=\"{s.Color}\" stroke-width=\"2\"/>"));
            if (markers)
            {
                foreach (var (x, y) in s.Points)
                {
                    svg.Append(Invariant($"<circle cx=\"{X(x):0.##}\" cy=\"{Y(y):0.##}\" r=\"3\" fill=\"{s.Color}\"/>"));
                }
            }
        }

        return Close(svg);
    }

    /// <summary>Grouped vertical bars: per bin one bar per series (shares in [0, 1]); bins labelled by their edges.</summary>
    public static string GroupedBars(string kind, IReadOnlyList<double> edges, IReadOnlyList<(string Name, string Color, IReadOnlyList<double> Shares)> series)
    {
        var bins = edges.Count - 1;
        var max = Math.Max(0.05, series.SelectMany(s => s.Shares).DefaultIfEmpty(0).Max());
        var top = Math.Ceiling(max * 10) / 10;
        var svg = Open(kind);
        Axes(svg, "score", "share of rows", [.. Enumerable.Range(0, 5).Select(i => (top * i / 4).ToString("0.##", CultureInfo.InvariantCulture))], xTicks: false);
        var slot = (double)(Width - Left - Right) / bins;
        var barWidth = (slot - 4) / series.Count;
        for (var b = 0; b < bins; b++)
        {
            for (var s = 0; s < series.Count; s++)
            {
                var share = series[s].Shares[b];
                var h = (Height - Top - Bottom) * share / top;
                svg.Append(Invariant($"<rect class=\"{kind}-bar\" data-series=\"{Encode(series[s].Name)}\" data-bin=\"{b}\" data-value=\"{share:R}\" x=\"{Left + (b * slot) + 2 + (s * barWidth):0.##}\" y=\"{Height - Bottom - h:0.##}\" width=\"{barWidth:0.##}\" height=\"{h:0.##}\" fill=\"{series[s].Color}\"/>"));
            }

            svg.Append(Invariant($"<text x=\"{Left + (b * slot):0.##}\" y=\"{Height - Bottom + 14}\">{edges[b]:0.#}</text>"));
        }

        svg.Append(Invariant($"<text x=\"{Width - Right - 8}\" y=\"{Height - Bottom + 14}\">1</text>"));
        return Close(svg);
    }

    /// <summary>Horizontal bars, largest first, labelled with name and value.</summary>
    public static string HorizontalBars(string kind, string version, IReadOnlyList<(string Name, double Value)> items)
    {
        const int row = 18;
        const int labelWidth = 210;
        var height = (items.Count * row) + 10;
        var max = Math.Max(1e-12, items.Select(i => i.Value).DefaultIfEmpty(0).Max());
        var svg = new StringBuilder(Invariant($"<svg class=\"{kind}\" data-version=\"{Encode(version)}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width + 120}\" height=\"{height}\" viewBox=\"0 0 {Width + 120} {height}\">"));
        for (var i = 0; i < items.Count; i++)
        {
            var (name, value) = items[i];
            var w = (Width + 120 - labelWidth - 50) * value / max; // room for the value after the longest bar
            var y = 4 + (i * row);
            svg.Append(Invariant($"<text x=\"{labelWidth - 6}\" y=\"{y + 12}\" text-anchor=\"end\">{Encode(name)}</text>"));
            svg.Append(Invariant($"<rect class=\"{kind}-bar\" data-feature=\"{Encode(name)}\" data-value=\"{value:R}\" x=\"{labelWidth}\" y=\"{y}\" width=\"{w:0.##}\" height=\"{row - 5}\" fill=\"var(--a)\"/>"));
            svg.Append(Invariant($"<text x=\"{labelWidth + w + 4:0.##}\" y=\"{y + 12}\">{value:0.000}</text>"));
        }

        return svg.Append("</svg>").ToString();
    }

    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static StringBuilder Open(string kind) =>
        new(Invariant($"<svg class=\"{kind}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">"));

    private static string Close(StringBuilder svg) => svg.Append("</svg>").ToString();

    private static void Axes(StringBuilder svg, string xLabel, string yLabel, IReadOnlyList<string> yTicks, bool xTicks = true)
    {
        svg.Append(Invariant($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"none\" stroke=\"var(--line)\"/>"));
        for (var i = 0; i < yTicks.Count; i++)
        {
            var f = (double)i / (yTicks.Count - 1);
            svg.Append(Invariant($"<text x=\"{Left - 6}\" y=\"{Y(f) + 4:0.##}\" text-anchor=\"end\">{yTicks[i]}</text>"));
            if (xTicks)
            {
                svg.Append(Invariant($"<text x=\"{X(f):0.##}\" y=\"{Height - Bottom + 14}\" text-anchor=\"middle\">{yTicks[i]}</text>"));
            }
        }

        svg.Append(Invariant($"<text x=\"{(Left + Width - Right) / 2}\" y=\"{Height - 8}\" text-anchor=\"middle\">{Encode(xLabel)}</text>"));
        svg.Append(Invariant($"<text transform=\"rotate(-90)\" x=\"{-(Top + Height - Bottom) / 2}\" y=\"14\" text-anchor=\"middle\">{Encode(yLabel)}</text>"));
    }

    private static double X(double x) => Left + (x * (Width - Left - Right));

    private static double Y(double y) => Height - Bottom - (y * (Height - Top - Bottom));

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
