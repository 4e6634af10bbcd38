/**
 * The `learnloop` command: finds the subcommand, parses its flags, runs it, and turns any error into one
 * line on stderr with a non-zero exit status (a stack trace only with --debug).
 */
import { exitCodeFor, formatError } from "../core/messages.js";
import { LEARNLOOP_VERSION } from "../models/format.js";
import { helpText, parseCommandArgs, type CommandSpec, type ParsedArgs } from "./args.js";
import { compareCommand, runCompare } from "./commands/compare.js";
import { evaluateCommand, runEvaluate } from "./commands/evaluate.js";
import { inspectCommand, runInspect } from "./commands/inspect.js";
import { predictCommand, runPredict } from "./commands/predict.js";
import { profileCommand, runProfile } from "./commands/profile.js";
import { quickstartCommand, runQuickstart } from "./commands/quickstart.js";
import { reportCommand, runReport } from "./commands/report.js";
import { modelsCommand, runModels } from "./commands/models.js";
import { runRuns, runsCommand } from "./commands/runs.js";
import { runServe, serveCommand } from "./commands/serve.js";
import { runScore, scoreCommand } from "./commands/score.js";
import { runTrain, trainCommand } from "./commands/train.js";
import { runTune, tuneCommand } from "./commands/tune.js";
import { processConsole, type Console } from "./output.js";

interface Command {
  readonly spec: CommandSpec;
  run(args: ParsedArgs, console: Console): Promise<unknown>;
}

const COMMANDS: readonly Command[] = [
  { spec: trainCommand, run: runTrain },
  { spec: tuneCommand, run: runTune },
  { spec: predictCommand, run: runPredict },
  { spec: evaluateCommand, run: runEvaluate },
  { spec: scoreCommand, run: runScore },
  { spec: compareCommand, run: runCompare },
  { spec: profileCommand, run: runProfile },
  { spec: reportCommand, run: runReport },
  { spec: runsCommand, run: runRuns },
  { spec: inspectCommand, run: runInspect },
  { spec: modelsCommand, run: runModels },
  { spec: serveCommand, run: runServe },
  { spec: quickstartCommand, run: runQuickstart },
];

function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.spec.name.length)) + 2;
  return [
    `learnloop ${LEARNLOOP_VERSION} — machine learning for tabular data`,
    "",
    "Usage: learnloop <command> [options]      learnloop <command> --help for its options",
    "",
    "Commands:",
    ...COMMANDS.map((command) => `  ${command.spec.name.padEnd(width)}${command.spec.summary}`),
    "",
    "Example:",
    `  ${trainCommand.examples[0]}`,
    "",
  ].join("\n");
}

/** Runs the CLI on `argv` (without node and the script); resolves to the exit status. */
export async function main(argv: readonly string[], console: Console = processConsole): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "--help" || name === "-h" || name === "help") {
    console.out(mainHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === "--version" || name === "-v") {
    console.out(`${LEARNLOOP_VERSION}\n`);
    return 0;
  }
  const debug = rest.includes("--debug");
  const command = COMMANDS.find((candidate) => candidate.spec.name === name);
  if (!command) {
    console.err(`learnloop: unknown command "${name}" (expected one of ${COMMANDS.map((c) => c.spec.name).join(", ")}; see learnloop --help)\n`);
    return 2;
  }
  try {
    const args = parseCommandArgs(command.spec, rest);
    if (args.values.help) {
      console.out(helpText(command.spec));
      return 0;
    }
    const result = await command.run(args, console);
    if (args.values.json) console.out(JSON.stringify(result, null, 2) + "\n");
    return 0;
  } catch (error) {
    console.err(`learnloop ${name}: error: ${formatError(error)}\n`);
    if (debug && error instanceof Error && error.stack) console.err(error.stack + "\n");
    return exitCodeFor(error);
  }
}
