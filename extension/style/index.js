import './base.css';
import './display.css';
import './editor.css';
