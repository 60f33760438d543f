using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Inference;
using SkillInference.Loading;
using SkillInference.Serialization;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// Writes the <see cref="BatchInferResponse"/> contract straight from the scored columns (the same JSON the serializer
/// writes for the contract records: camelCase names, nulls left out), in request order. A result scored in columns is
/// written as UTF-8 bytes into the output's memory: what is the same for every row of a model (its skill, version, top
/// features' names and importances) is encoded once per model (<see cref="ModelJson"/>), so a row costs its numbers and a
/// few copies. Errors, explanations and result objects (shared-cache hits) go through a <see cref="Utf8JsonWriter"/>.
/// </summary>
internal static class BatchResponseWriter
{
    private static readonly ConditionalWeakTable<ModelFacts, ModelJson> Models = [];
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    /// <summary>Writes the whole response into <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, BatchRequest request, IReadOnlyList<RowScores> scores)
    {
        var json = new RawJsonWriter(output);
        Utf8JsonWriter? fallback = null;
        var succeeded = 0;
        json.Raw("{\"results\":["u8);
        for (var i = 0; i < request.Count; i++)
        {
            json.Raw(i == 0 ? "{\"index\":"u8 : ",{\"index\":"u8);
            json.Integer(i);
            var g = request.ItemGroup[i];
            if (g < 0)
            {
                json.Raw(",\"error\":"u8);
                WriteObject(ref json, ref fallback, output, w => WriteError(w, request.ItemErrors[i]!));
            }
            else
            {
                var rows = scores[g];
                var row = request.ItemRow[i];
                if (rows.ErrorOf(row) is { } error)
                {
                    json.Raw(",\"error\":"u8);
                    WriteObject(ref json, ref fallback, output, w => WriteError(w, ToItemError(rows.Skill, error)));
                }
                else
                {
                    json.Raw(",\"result\":"u8);
                    var (buffer, item, facts) = rows.ColumnsOf(row);
                    if (facts is null)
                    {
                        WriteObject(ref json, ref fallback, output, w => WriteScore(w, rows, row));
                    }
                    else
                    {
                        WriteColumns(ref json, ref fallback, output, buffer, item, facts);
                    }

                    succeeded++;
                }
            }

            json.Raw("}"u8);
        }

        json.Raw("],\"succeeded\":"u8);
        json.Integer(succeeded);
        json.Raw(",\"failed\":"u8);
        json.Integer(request.Count - succeeded);
        json.Raw("}"u8);
        json.Flush();
        fallback?.Dispose();
    }

    /// <summary>A <see cref="SkillScore"/> of a row scored in columns, as UTF-8 bytes.</summary>
    private static void WriteColumns(ref RawJsonWriter json, ref Utf8JsonWriter? fallback, IBufferWriter<byte> output, ScoreBuffer buffer, int item, ModelFacts facts)
    {
        var model = Models.GetValue(facts, static f => new ModelJson(f));
        json.Raw(model.Skill);
        json.LongNumber(buffer.ScoreOf(item));
        json.Raw(",\"confidence\":"u8);
        json.LongNumber(buffer.ConfidenceOf(item));
        json.Raw(model.Version);
        json.Raw(buffer.IsVariant(item) ? "candidate\",\"topFeatures\":["u8 : "deployed\",\"topFeatures\":["u8);
        for (var t = 0; t < facts.TopIndices.Length; t++)
        {
            json.Raw(model.TopFeatures[t]);
            var value = buffer.TopValue(item, t);
            if (!double.IsNaN(value))
            {
                json.Raw(",\"value\":"u8);
                json.Number(value);
            }

            json.Raw(buffer.IsImputed(item, facts.TopIndices[t]) ? ",\"imputed\":true}"u8 : ",\"imputed\":false}"u8);
        }

        json.Raw("],\"imputedFeatures\":["u8);
        var first = true;
        for (var f = 0; f < facts.Names.Length; f++)
        {
            if (buffer.IsImputed(item, f))
            {
                json.Raw(first ? "\""u8 : ",\""u8);
                json.Raw(model.Names[f]);
                json.Raw("\""u8);
                first = false;
            }
        }

        json.Raw("]"u8);
        if (buffer.ExplanationOf(item) is { } explanation)
        {
            json.Raw(",\"explanation\":"u8);
            WriteObject(ref json, ref fallback, output, w => WriteExplanation(w, explanation));
        }

        json.Raw(buffer.IsCached(item) ? ",\"cached\":true}"u8 : ",\"cached\":false}"u8);
    }

    /// <summary>Writes one JSON object through a <see cref="Utf8JsonWriter"/> on the same output, between raw writes.</summary>
    private static void WriteObject(ref RawJsonWriter json, ref Utf8JsonWriter? fallback, IBufferWriter<byte> output, Action<Utf8JsonWriter> write)
    {
        json.Flush();
        if (fallback is null)
        {
            fallback = new Utf8JsonWriter(output, WriterOptions);
        }
        else
        {
            fallback.Reset(output);
        }

        write(fallback);
        fallback.Flush();
    }

    /// <summary>A <see cref="SkillScore"/>, from a row.</summary>
    public static void WriteScore(Utf8JsonWriter json, RowScores rows, int row)
    {
        json.WriteStartObject();
        json.WriteString("skill"u8, rows.Skill);
        json.WriteNumber("score"u8, rows.ScoreOf(row));
        json.WriteNumber("confidence"u8, rows.ConfidenceOf(row));
        json.WriteString("modelVersion"u8, rows.ModelVersionOf(row));
        json.WriteString("variant"u8, rows.VariantOf(row));
        json.WriteStartArray("topFeatures"u8);
        var top = rows.TopFeaturesOf(row);
        for (var t = 0; t < top.Count; t++)
        {
            var (name, importance, value, imputed) = top[t];
            json.WriteStartObject();
            json.WriteString("name"u8, name);
            json.WriteNumber("importance"u8, importance);
            if (value is { } v)
            {
                json.WriteNumber("value"u8, v);
            }

            json.WriteBoolean("imputed"u8, imputed);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("imputedFeatures"u8);
        foreach (var name in rows.ImputedFeaturesOf(row))
        {
            json.WriteStringValue(name);
        }

        json.WriteEndArray();
        if (rows.ExplanationOf(row) is { } e)
        {
            json.WritePropertyName("explanation"u8);
            WriteExplanation(json, e);
        }

        json.WriteBoolean("cached"u8, rows.IsCached(row));
        json.WriteEndObject();
    }

    private static void WriteExplanation(Utf8JsonWriter json, Explanation e)
    {
        json.WriteStartObject();
        json.WriteNumber("bias"u8, e.Bias);
        json.WriteStartObject("contributions"u8);
        foreach (var (name, value) in e.Contributions)
        {
            json.WriteNumber(name, value);
        }

        json.WriteEndObject();
        json.WriteNumber("logOdds"u8, e.LogOdds);
        json.WriteEndObject();
    }

    /// <summary>An item's error, shaped as problem details by the one mapping of <see cref="ProblemMapper"/>.</summary>
    public static BatchItemError ToItemError(string skill, InferenceError error)
    {
        var problem = ProblemMapper.FromError(skill, error);
        return new BatchItemError
        {
            Status = problem.Status ?? StatusCodes.Status500InternalServerError,
            Title = problem.Title ?? "Error",
            Detail = problem.Detail ?? error.Message,
            Errors = (problem as Microsoft.AspNetCore.Http.HttpValidationProblemDetails)?.Errors,
        };
    }

    private static void WriteError(Utf8JsonWriter json, BatchItemError error)
    {
        json.WriteStartObject();
        json.WriteNumber("status"u8, error.Status);
        json.WriteString("title"u8, error.Title);
        json.WriteString("detail"u8, error.Detail);
        if (error.Errors is { } errors)
        {
            json.WriteStartObject("errors"u8);
            foreach (var (field, messages) in errors)
            {
                json.WriteStartArray(field);
                foreach (var message in messages)
                {
                    json.WriteStringValue(message);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>A model's constant JSON, encoded once: the pieces around a row's numbers.</summary>
    private sealed class ModelJson
    {
        public ModelJson(ModelFacts facts)
        {
            Skill = Utf8($"{{\"skill\":\"{Encoded(facts.JsonSkill)}\",\"score\":");
            Version = Utf8($",\"modelVersion\":\"{Encoded(facts.JsonVersion)}\",\"variant\":\"");
            TopFeatures = [.. facts.TopIndices.Select((feature, t) => Utf8(string.Create(
                CultureInfo.InvariantCulture,
                $"{(t == 0 ? "" : ",")}{{\"name\":\"{Encoded(facts.JsonNames[feature])}\",\"importance\":{Number(facts.Importance[feature])}")))];
            Names = [.. facts.JsonNames.Select(n => n.EncodedUtf8Bytes.ToArray())];
        }

        /// <summary><c>{"skill":"…","score":</c></summary>
        public byte[] Skill { get; }

        /// <summary><c>,"modelVersion":"…","variant":"</c></summary>
        public byte[] Version { get; }

        /// <summary>Per top feature: <c>{"name":"…","importance":…</c> (with a leading comma after the first).</summary>
        public byte[][] TopFeatures { get; }

        /// <summary>Each feature's name, JSON-encoded (without quotes).</summary>
        public byte[][] Names { get; }

        private static string Encoded(JsonEncodedText text) => System.Text.Encoding.UTF8.GetString(text.EncodedUtf8Bytes);

        private static string Number(double value)
        {
            Span<byte> bytes = stackalloc byte[32];
            value.TryFormat(bytes, out var written, default, CultureInfo.InvariantCulture);
            return System.Text.Encoding.UTF8.GetString(bytes[..written]);
        }

        private static byte[] Utf8(string text) => System.Text.Encoding.UTF8.GetBytes(text);
    }
}
