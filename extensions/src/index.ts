// The package entry: the JupyterLab plugins (the file renderers are in ./mime).
export { default } from './plugin';
