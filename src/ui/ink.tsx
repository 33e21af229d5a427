// The terminal UI (ink), used only when stderr is a terminal: the command's lines scroll above a
// live task list (a spinner on the running stage), and a summary table closes the run. It draws
// on stderr; stdout stays for artefacts and --json. NO_COLOR turns colours off. main.ts loads this
// module (dist/ui.mjs) only on a terminal, so the plain path never pays for React and Yoga.
import { Box, render, Static, Text } from "ink";
import Spinner from "ink-spinner";
import type { Io } from "../io.js";
import type { Summary, TaskUi } from "./tasks.js";

export interface TaskState {
  title: string;
  state: "running" | "done" | "failed";
}

export interface ViewModel {
  /** Lines the command printed, in order (they stay on screen). */
  lines: string[];
  tasks: TaskState[];
  summary?: Summary;
  color: boolean;
}

const MARK = { done: "✔", failed: "✖" } as const;

function TaskLine({ task, color }: { task: TaskState; color: boolean }) {
  // One line each, however narrow the terminal: a wrapped task line would move the frame ink
  // redraws. Long paths lose their middle, where they differ least.
  if (task.state === "running")
    return (
      <Text wrap="truncate-middle">
        <Text color={color ? "cyan" : undefined}>
          <Spinner type="dots" />
        </Text>{" "}
        {task.title}
      </Text>
    );
  const tint = task.state === "done" ? "green" : "red";
  return (
    <Text wrap="truncate-middle">
      <Text color={color ? tint : undefined}>{MARK[task.state]}</Text> {task.title}
    </Text>
  );
}

function SummaryView({ summary, color }: { summary: Summary; color: boolean }) {
  const rows = summary.clusters ?? [];
  const width = Math.max(7, ...rows.map((r) => r.cluster.length));
  const cell = (s: string | number, w = 8) => String(s).padStart(w);
  return (
    <Box flexDirection="column" marginTop={1}>
      <Text bold color={color ? (summary.ok ? "green" : "red") : undefined} wrap="truncate-middle">
        {summary.title}
      </Text>
      {rows.length > 0 && (
        <Box flexDirection="column" marginTop={1}>
          <Text dimColor={color}>
            {"cluster".padEnd(width)}
            {cell("added")}
            {cell("changed")}
            {cell("removed")}
          </Text>
          {rows.map((r) => (
            <Text key={r.cluster}>
              {r.cluster.padEnd(width)}
              {cell(r.added)}
              {cell(r.changed)}
              <Text color={color && r.removed > 0 ? "yellow" : undefined}>{cell(r.removed)}</Text>
            </Text>
          ))}
        </Box>
      )}
      {summary.link && (
        <Text>
          {summary.link.label}:{" "}
          <Text color={color ? "cyan" : undefined} underline={color}>
            {summary.link.url}
          </Text>
        </Text>
      )}
    </Box>
  );
}

export function View({ model }: { model: ViewModel }) {
  return (
    <>
      <Static items={model.lines.map((text, i) => ({ text, key: i }))}>
        {(line) => <Text key={line.key}>{line.text}</Text>}
      </Static>
      <Box flexDirection="column">
        {model.tasks.map((t, i) => (
          <TaskLine key={i} task={t} color={model.color} />
        ))}
        {model.summary && <SummaryView summary={model.summary} color={model.color} />}
      </Box>
    </>
  );
}

export interface InkSession {
  io: Io;
  /** Draws the last frame and gives the terminal back. */
  close(): Promise<void>;
}

/** Starts the UI on `stream` (stderr); returns the Io commands write to. */
export function startInkUi(stdout: (text: string) => void, stream: NodeJS.WriteStream): InkSession {
  const model: ViewModel = { lines: [], tasks: [], color: !process.env.NO_COLOR };
  const instance = render(<View model={{ ...model }} />, {
    stdout: stream,
    stderr: stream,
    patchConsole: false,
    exitOnCtrlC: true,
  });
  const redraw = () => instance.rerender(<View model={{ ...model, tasks: [...model.tasks] }} />);
  const tasks: TaskUi = {
    async task(title, run, ok) {
      const t: TaskState = { title, state: "running" };
      model.tasks.push(t);
      redraw();
      try {
        const result = await run();
        t.state = !ok || ok(result) ? "done" : "failed";
        return result;
      } catch (err) {
        t.state = "failed";
        throw err;
      } finally {
        redraw();
      }
    },
    summary(s) {
      model.summary = s;
      redraw();
    },
  };
  return {
    io: {
      stdout,
      stderr: (text) => {
        model.lines.push(...text.replace(/\n$/, "").split("\n"));
        redraw();
      },
      tasks,
    },
    async close() {
      redraw();
      instance.unmount();
      await instance.waitUntilExit();
    },
  };
}
export { runWizard } from "./wizard.js";
