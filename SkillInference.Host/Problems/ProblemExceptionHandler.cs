using Microsoft.AspNetCore.Diagnostics;
using SkillInference.Inference;

namespace SkillInference.Host.Problems;

/// <summary>Writes every unhandled exception as problem details; logs server-side failures (without request data).</summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        var problem = ProblemMapper.Map(exception);
        if (problem.Status >= StatusCodes.Status500InternalServerError && exception is not InferenceException)
        {
            LogFailure(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
        }

        if (problem.Status == StatusCodes.Status503ServiceUnavailable)
        {
            httpContext.Response.Headers.RetryAfter = ProblemMapper.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        httpContext.Response.StatusCode = problem.Status ?? StatusCodes.Status500InternalServerError;
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = httpContext, ProblemDetails = problem, Exception = exception }).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Error, Message = "Request {Method} {Path} failed")]
    private static partial void LogFailure(ILogger logger, Exception exception, string method, string path);
}
