/**
 * The kro extension: starts kro-lsp for YAML files (the server answers only for files holding a
 * ResourceGraphDefinition) and shows an RGD's dependency graph in a webview.
 */
import * as crypto from 'node:crypto';
import * as os from 'node:os';

import * as vscode from 'vscode';
import {
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  TransportKind,
} from 'vscode-languageclient/node';

import { type GraphView, graphHtml } from './graphHtml';
import { nodeProbe } from './nodeProbe';
import { resolveServer } from './serverPath';

let client: LanguageClient | undefined;
let output: vscode.OutputChannel | undefined;

/** What the extension gives to other extensions and to its tests. */
export interface KroApi {
  /** The running client, if the server started. */
  client(): LanguageClient | undefined;
}

export async function activate(context: vscode.ExtensionContext): Promise<KroApi> {
  output = vscode.window.createOutputChannel('kro');
  context.subscriptions.push(output);
  context.subscriptions.push(
    vscode.commands.registerCommand('kro.showGraph', () => showGraph(context)),
    vscode.commands.registerCommand('kro.restartServer', async () => {
      await stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (e) => {
      if (e.affectsConfiguration('kro')) {
        await stop();
        await start(context);
      }
    }),
  );
  await start(context);
  return { client: () => client };
}

export async function deactivate(): Promise<void> {
  await stop();
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration('kro');
  const resolution = resolveServer(
    {
      setting: config.get<string>('server.path', ''),
      extensionPath: context.extensionPath,
      platform: process.platform,
      envPath: process.env.PATH ?? '',
      home: os.homedir(),
      workspaceFolder: vscode.workspace.workspaceFolders?.[0]?.uri.fsPath,
    },
    nodeProbe,
  );
  if (resolution.kind === 'missing') {
    output?.appendLine(resolution.message);
    void vscode.window.showErrorMessage(`kro: ${resolution.message}`);
    return;
  }
  output?.appendLine(
    `kro-lsp: ${resolution.path} (${resolution.source}${resolution.madeExecutable ? ', made executable' : ''})`,
  );
  const serverOptions: ServerOptions = {
    command: resolution.path,
    transport: TransportKind.stdio,
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'yaml' },
      { scheme: 'untitled', language: 'yaml' },
    ],
    initializationOptions: {
      cluster: {
        enabled: config.get<boolean>('cluster.enabled', false),
        context: config.get<string>('cluster.context', '') || null,
      },
    },
    outputChannel: output,
  };
  client = new LanguageClient('kro', 'kro', serverOptions, clientOptions);
  await client.start();
}

async function stop(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) {
    await running.stop();
  }
}

async function showGraph(context: vscode.ExtensionContext): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor || editor.document.languageId !== 'yaml') {
    void vscode.window.showInformationMessage('kro: open a ResourceGraphDefinition YAML file first');
    return;
  }
  if (!client) {
    void vscode.window.showErrorMessage('kro: the language server is not running');
    return;
  }
  const document = editor.document;
  const views = await client.sendRequest<GraphView[]>('kro/graph', {
    textDocument: { uri: client.code2ProtocolConverter.asUri(document.uri) },
  });
  const name = document.uri.path.split('/').pop() ?? 'graph';
  const panel = vscode.window.createWebviewPanel('kro.graph', `Graph: ${name}`, vscode.ViewColumn.Beside, {
    enableScripts: false,
  });
  const nonce = crypto.randomBytes(16).toString('hex');
  panel.webview.html = graphHtml(views ?? [], { title: `Graph: ${name}`, cspSource: panel.webview.cspSource, nonce });
  context.subscriptions.push(panel);
}
