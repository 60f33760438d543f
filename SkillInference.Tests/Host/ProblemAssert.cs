using System.Net;
using System.Text.Json.Nodes;

namespace SkillInference.Tests.Host;

/// <summary>Asserts that a response is RFC 9457 problem details, and reads it.</summary>
internal static class ProblemAssert
{
    public const string MediaType = "application/problem+json";

    /// <summary>
    /// Asserts the status (in the status line and the body), the problem media type, a title and a detail, that the
    /// body does not echo any of <paramref name="notEchoed"/> (submitted feature values), and returns the body.
    /// </summary>
    public static async Task<JsonNode> IsProblemAsync(HttpResponseMessage response, HttpStatusCode status, params string[] notEchoed)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.AreEqual(status, response.StatusCode, body);
        Assert.AreEqual(MediaType, response.Content.Headers.ContentType?.MediaType, body);
        foreach (var value in notEchoed)
        {
            Assert.DoesNotContain(value, body, "the problem echoes a submitted value");
        }

        var problem = JsonNode.Parse(body)!;
        Assert.AreEqual((int)status, problem["status"]!.GetValue<int>());
        Assert.IsFalse(string.IsNullOrWhiteSpace(problem["title"]?.GetValue<string>()), "title");
        Assert.IsFalse(string.IsNullOrWhiteSpace(problem["detail"]?.GetValue<string>()), "detail");
        return problem;
    }

    /// <summary>Asserts a problem with an <c>errors</c> entry for <paramref name="field"/>; returns that entry's messages.</summary>
    public static async Task<string[]> HasFieldErrorAsync(HttpResponseMessage response, HttpStatusCode status, string field, params string[] notEchoed)
    {
        var problem = await IsProblemAsync(response, status, notEchoed);
        return FieldErrors(problem, field);
    }

    /// <summary>The messages of <c>errors[field]</c> of a problem (or of a batch item error).</summary>
    public static string[] FieldErrors(JsonNode problem, string field)
    {
        var errors = problem["errors"]?.AsObject();
        Assert.IsNotNull(errors, $"no 'errors' in {problem.ToJsonString()}");
        Assert.IsTrue(errors.ContainsKey(field), $"no errors['{field}'] in {errors.ToJsonString()}");
        var messages = errors[field]!.AsArray().Select(m => m!.GetValue<string>()).ToArray();
        Assert.IsNotEmpty(messages);
        return messages;
    }
}
