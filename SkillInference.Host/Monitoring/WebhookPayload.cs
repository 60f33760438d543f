using System.Globalization;
using SkillInference.Monitoring;

namespace SkillInference.Host.Monitoring;

/// <summary>The webhook's body: Slack's <c>text</c>, and the notice's fields for other receivers.</summary>
internal sealed record WebhookPayload(
    string Text,
    string Kind,
    string Skill,
    string? ModelVersion,
    string State,
    string Summary,
    DateTimeOffset At,
    IReadOnlyDictionary<string, double>? Values)
{
    public static WebhookPayload From(MonitoringNotice n) => new(
        string.Create(CultureInfo.InvariantCulture, $"[{(n.State is "alert" or "open" ? "ALERT" : n.State.ToUpperInvariant())}] {n.Kind} — {n.Skill}{(n.ModelVersion is null ? "" : " " + n.ModelVersion)}: {n.Summary}"),
        n.Kind,
        n.Skill,
        n.ModelVersion,
        n.State,
        n.Summary,
        n.At,
        n.Values);
}
