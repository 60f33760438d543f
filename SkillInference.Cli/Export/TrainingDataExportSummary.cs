using System.Text.Json;
using System.Text.Json.Serialization;
using SkillInference.Schema;

namespace SkillInference.Cli.Export;

/// <summary>A skill to export: its id and its features in model input order, with their missing rules.</summary>
internal sealed record ExportedSkill(string Id, IReadOnlyList<FeatureSpec> Features);

/// <summary>How an export runs.</summary>
internal sealed class TrainingDataExportOptions
{
    /// <summary>A rating at or above this is the "high skill" label (1); below it, 0; no rating, no label.</summary>
    public int PositiveRating { get; init; } = 4;

    /// <summary>The HMAC key of the pseudonymous ids.</summary>
    public required byte[] IdKey { get; init; }

    /// <summary>Whether the key was given (stable ids) or drawn at random for this export.</summary>
    public bool IdKeyGiven { get; init; }

    /// <summary>The database, without credentials.</summary>
    public required string SourceDescription { get; init; }

    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary><c>export.json</c>: what an export wrote (docs/features.md, "Training-data export").</summary>
internal sealed record TrainingDataExportSummary
{
    [JsonPropertyName("format")]
    public string Format { get; init; } = TrainingDataExporter.Format;

    [JsonPropertyName("formatVersion")]
    public int FormatVersion { get; init; } = 1;

    [JsonPropertyName("exportedAt")]
    public required DateTimeOffset ExportedAt { get; init; }

    [JsonPropertyName("source")]
    public required string Source { get; init; }

    [JsonPropertyName("label")]
    public required LabelRule Label { get; init; }

    [JsonPropertyName("pseudonyms")]
    public required string Pseudonyms { get; init; }

    [JsonPropertyName("students")]
    public long Students { get; init; }

    /// <summary>Rows of <c>student_features</c> whose groups are not JSON objects of numbers (left out).</summary>
    [JsonPropertyName("unreadableStudents")]
    public long UnreadableStudents { get; init; }

    /// <summary>Teacher ratings of students without a <c>student_features</c> row (left out).</summary>
    [JsonPropertyName("orphanRatings")]
    public long OrphanRatings { get; init; }

    [JsonPropertyName("skills")]
    public required IReadOnlyList<ExportedSkillFile> Skills { get; init; }
}

/// <summary>How labels are derived from teacher ratings.</summary>
internal sealed record LabelRule
{
    [JsonPropertyName("rule")]
    public string Rule => $"label = 1 when rating >= {PositiveRating}, 0 when below, empty without a rating";

    [JsonPropertyName("positiveRating")]
    public required int PositiveRating { get; init; }
}

/// <summary>One skill's CSV.</summary>
internal sealed record ExportedSkillFile
{
    [JsonPropertyName("skill")]
    public required string Skill { get; init; }

    [JsonPropertyName("file")]
    public required string File { get; init; }

    [JsonPropertyName("sha256")]
    public required string Sha256 { get; init; }

    [JsonPropertyName("rows")]
    public long Rows { get; init; }

    /// <summary>Rows with a teacher rating (and so a label).</summary>
    [JsonPropertyName("rated")]
    public long Rated { get; init; }

    [JsonPropertyName("positives")]
    public long Positives { get; init; }

    /// <summary>The skill's features in column order, with ranges and missing rules (the notebook imputes by them).</summary>
    [JsonPropertyName("features")]
    public required IReadOnlyList<FeatureSpec> Features { get; init; }
}

internal static class ExportJson
{
    // Readable: ">=" and apostrophes in descriptions stay as they are (the file is read by people and Python, not embedded in HTML).
    public static JsonSerializerOptions Options { get; } = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
