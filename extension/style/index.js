import './base.css';
import './display.css';
