using System.Text.Json;
using SkillInference.Host.Contracts.V1;
using SkillInference.Host.Problems;
using SkillInference.Inference;

namespace SkillInference.Host.Endpoints;

/// <summary>
/// Writes the <see cref="BatchInferResponse"/> contract straight from the scored columns with a
/// <see cref="Utf8JsonWriter"/> (the same JSON the serializer writes for the contract records: camelCase names, nulls
/// left out), in request order.
/// </summary>
internal static class BatchResponseWriter
{
    public static void Write(Utf8JsonWriter json, BatchRequest request, IReadOnlyList<RowScores> scores)
    {
        var succeeded = 0;
        json.WriteStartObject();
        json.WriteStartArray("results"u8);
        for (var i = 0; i < request.Count; i++)
        {
            json.WriteStartObject();
            json.WriteNumber("index"u8, i);
            var g = request.ItemGroup[i];
            if (g < 0)
            {
                WriteError(json, request.ItemErrors[i]!);
            }
            else
            {
                var rows = scores[g];
                var row = request.ItemRow[i];
                if (rows.ErrorOf(row) is { } error)
                {
                    WriteError(json, ToItemError(rows.Skill, error));
                }
                else
                {
                    json.WritePropertyName("result"u8);
                    WriteScore(json, rows, row);
                    succeeded++;
                }
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("succeeded"u8, succeeded);
        json.WriteNumber("failed"u8, request.Count - succeeded);
        json.WriteEndObject();
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
            json.WriteStartObject("explanation"u8);
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

        json.WriteBoolean("cached"u8, rows.IsCached(row));
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
        json.WriteStartObject("error"u8);
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
}
