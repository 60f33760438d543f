using System.Text.Json.Nodes;

namespace SkillInference.Tests.Host;

/// <summary>Bodies for <c>POST /api/v1/skills/infer</c>.</summary>
internal static class InferRequestJson
{
    public static string For(string skill, IReadOnlyDictionary<string, double?> features, bool explain = false, string studentId = "s-0001") => new JsonObject
    {
        ["skill"] = skill,
        ["studentId"] = studentId,
        ["explain"] = explain,
        ["features"] = new JsonObject(features.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
    }.ToJsonString();
}
